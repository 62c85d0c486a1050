// The Docker Engine API, spoken over its unix socket with Bun's fetch (or plain HTTP for a
// tcp:// DOCKER_HOST). No docker CLI, no buildx.
import { MinicError } from "../errors.ts";

/** API 1.41 (Docker 20.10); newer engines answer older versions too. */
const API_VERSION = "v1.41";
const DEFAULT_HOST = "unix:///var/run/docker.sock";

export interface Engine {
  /** As the user would write it, for messages: unix:///var/run/docker.sock. */
  address: string;
  /** The unix socket, or null for tcp. */
  socket: string | null;
  baseUrl: string;
}

export function engineFromEnv(dockerHost: string | undefined): Engine {
  const address = dockerHost && dockerHost.length > 0 ? dockerHost : DEFAULT_HOST;
  if (address.startsWith("unix://")) {
    return { address, socket: address.slice("unix://".length), baseUrl: `http://docker/${API_VERSION}` };
  }
  if (address.startsWith("tcp://") || address.startsWith("http://")) {
    const hostPort = address.replace(/^(tcp|http):\/\//, "").replace(/\/+$/, "");
    return { address, socket: null, baseUrl: `http://${hostPort}/${API_VERSION}` };
  }
  throw new MinicError(`DOCKER_HOST "${address}" is not supported: use unix:///path/to/docker.sock or tcp://host:port`);
}

export function engineUnavailable(engine: Engine, reason: string): MinicError {
  return new MinicError(
    `cannot reach a Docker engine at ${engine.address} (${reason})`,
    undefined,
    "start one with `dockerd`, or set DOCKER_HOST to one that runs",
  );
}

export interface EngineRequest {
  method?: string;
  query?: Record<string, string>;
  body?: ReadableStream<Uint8Array> | string;
  contentType?: string;
  signal?: AbortSignal;
}

/** One API call. A connection failure becomes the "no engine" error; HTTP errors are left to the caller. */
export async function engineFetch(engine: Engine, path: string, request: EngineRequest = {}): Promise<Response> {
  const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : "";
  const init: RequestInit & { unix?: string; duplex?: "half" } = {
    method: request.method ?? "GET",
    headers: request.contentType ? { "Content-Type": request.contentType } : {},
    ...(request.body !== undefined ? { body: request.body, duplex: "half" as const } : {}),
    ...(request.signal ? { signal: request.signal } : {}),
    ...(engine.socket !== null ? { unix: engine.socket } : {}),
  };
  try {
    return await fetch(`${engine.baseUrl}${path}${query}`, init);
  } catch (error) {
    if (request.signal?.aborted) throw error;
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
    throw engineUnavailable(engine, code === "ENOENT" ? "no such socket" : code === "ECONNREFUSED" ? "connection refused" : code || String(error));
  }
}

/** The engine's own message from an error response: {"message": "..."}. */
export async function engineError(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null && "message" in parsed && typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: the text itself
  }
  return text.trim() || `HTTP ${response.status}`;
}

export async function ping(engine: Engine): Promise<void> {
  const response = await engineFetch(engine, "/_ping");
  if (!response.ok) throw engineUnavailable(engine, `it answered ${response.status} to a ping`);
  await response.text();
}
