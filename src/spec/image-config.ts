// An image's configuration, as Docker's Engine API reports it (GET /images/ID/json, its Config):
// `minic build` keeps it beside the rootfs, and `minic run` applies it the way `docker run`
// applies an image: ENTRYPOINT and CMD unless the command line gives its own, the image's ENV
// under -e, WORKDIR unless -w, USER unless -u.
import { MinicError } from "../errors.ts";
import { DEFAULT_COMMAND, type RunOptions } from "./run-options.ts";
import { publishAll } from "./ports.ts";

export interface ImageConfig {
  Env: string[];
  Entrypoint: string[] | null;
  Cmd: string[] | null;
  WorkingDir: string;
  User: string;
  StopSignal: string | null;
  Labels: Record<string, string>;
  ExposedPorts: string[];
  Volumes: string[];
}

type Json = Record<string, unknown>;

/**
 * The engine's Config object as kept (what minic reads of it, each field checked). `where` names
 * the file for an error: a damaged record is reported, never half-applied.
 */
export function imageConfigFrom(value: unknown, where: string): ImageConfig {
  const damaged = (field: string, expected: string): never => {
    throw new MinicError(`${where}: the image's ${field} is not ${expected}`);
  };
  if (typeof value !== "object" || value === null || Array.isArray(value)) damaged("configuration", "an object");
  const config = value as Json;
  const strings = (field: string): string[] | null => {
    const item = config[field];
    if (item === undefined || item === null) return null;
    if (!Array.isArray(item) || !item.every((entry) => typeof entry === "string")) damaged(field, "a list of strings");
    return item as string[];
  };
  const text = (field: string): string => {
    const item = config[field] ?? "";
    if (typeof item !== "string") damaged(field, "a string");
    return item as string;
  };
  // The Engine API gives ports and volumes as objects whose keys are the values.
  const keys = (field: string): string[] => {
    const item = config[field];
    if (item === undefined || item === null) return [];
    if (typeof item !== "object" || Array.isArray(item)) damaged(field, "an object");
    return Object.keys(item as Json);
  };
  const labels = config.Labels ?? {};
  if (typeof labels !== "object" || labels === null || Array.isArray(labels) || !Object.values(labels).every((v) => typeof v === "string")) {
    damaged("Labels", "an object of strings");
  }
  const stopSignal = text("StopSignal");
  return {
    Env: strings("Env") ?? [],
    Entrypoint: strings("Entrypoint"),
    Cmd: strings("Cmd"),
    WorkingDir: text("WorkingDir"),
    User: text("User"),
    StopSignal: stopSignal === "" ? null : stopSignal,
    Labels: labels as Record<string, string>,
    ExposedPorts: keys("ExposedPorts"),
    Volumes: keys("Volumes"),
  };
}

/**
 * `options` with the image's configuration applied, as docker run does. The command line's
 * command replaces CMD; --entrypoint replaces ENTRYPOINT and drops CMD (an empty one clears
 * it). Without an image configuration (a rootfs minic did not build), the command is the
 * command line's, or /bin/sh.
 */
export function applyImageConfig(options: RunOptions, image: ImageConfig | null): RunOptions {
  const entrypoint = options.entrypoint === null ? (image?.Entrypoint ?? []) : options.entrypoint === "" ? [] : [options.entrypoint];
  const cmd = options.command.length > 0 ? options.command : options.entrypoint === null ? (image?.Cmd ?? []) : [];
  let command = [...entrypoint, ...cmd];
  if (command.length === 0) {
    if (image !== null) throw new MinicError("no command specified: the image has neither ENTRYPOINT nor CMD, and none was given");
    command = [...DEFAULT_COMMAND];
  }
  if (image === null) return { ...options, command, entrypointLength: entrypoint.length };
  return {
    ...options,
    command,
    entrypointLength: entrypoint.length,
    // The image's first, so that --env-file and -e override it; labels likewise.
    // A bare KEY means "the caller's KEY" to -e: never from an image, which must not reach the host's environment.
    env: [...image.Env.filter((entry) => entry.includes("=")), ...options.env],
    labels: [...Object.entries(image.Labels).map(([key, value]) => `${key}=${value}`), ...options.labels],
    workdir: options.workdir ?? (image.WorkingDir === "" ? null : image.WorkingDir),
    stopSignal: options.stopSignal ?? image.StopSignal,
    publish: options.publishAll ? [...options.publish, ...publishAll(image.ExposedPorts)] : options.publish,
    user: options.user ?? (image.User === "" ? null : image.User),
  };
}
