import { describe, expect, test } from "bun:test";
import { MinicError } from "../../src/errors.ts";
import { applyImageConfig, imageConfigFrom, type ImageConfig } from "../../src/spec/image-config.ts";
import { parseEnvFile } from "../../src/spec/env.ts";
import { runOptions } from "../support/options.ts";

/** What the Engine API answers for an image built FROM busybox with ENTRYPOINT, CMD and the rest. */
const engineConfig = {
  Hostname: "",
  Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=from-image"],
  Cmd: ["--port", "80"],
  Entrypoint: ["/app/serve"],
  WorkingDir: "/app",
  User: "www:www",
  StopSignal: "SIGQUIT",
  Labels: { "org.example.role": "web" },
  ExposedPorts: { "80/tcp": {} },
  Volumes: { "/data": {} },
  OnBuild: null,
};
const image: ImageConfig = imageConfigFrom(engineConfig, "R/.minic-rootfs");

describe("the image's configuration", () => {
  test("read from the engine's Config: what run applies, ports and volumes by name", () => {
    expect(image).toEqual({
      Env: ["PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=from-image"],
      Entrypoint: ["/app/serve"],
      Cmd: ["--port", "80"],
      WorkingDir: "/app",
      User: "www:www",
      StopSignal: "SIGQUIT",
      Labels: { "org.example.role": "web" },
      ExposedPorts: ["80/tcp"],
      Volumes: ["/data"],
    });
    expect(imageConfigFrom({ Cmd: null, Entrypoint: null }, "x")).toMatchObject({ Cmd: null, Entrypoint: null, Env: [], WorkingDir: "", User: "", StopSignal: null });
  });

  test("a damaged record is an error naming the field, not half applied", () => {
    expect(() => imageConfigFrom({ Cmd: "sh" }, "R/.minic-rootfs")).toThrow(new MinicError("R/.minic-rootfs: the image's Cmd is not a list of strings"));
    expect(() => imageConfigFrom([], "R/.minic-rootfs")).toThrow("the image's configuration is not an object");
    expect(() => imageConfigFrom({ Labels: { a: 1 } }, "x")).toThrow("the image's Labels is not an object of strings");
  });

  test("as docker run applies it: ENTRYPOINT + CMD, ENV under -e, WORKDIR and USER unless given", () => {
    const applied = applyImageConfig(runOptions({ command: [], env: ["GREETING=from-flag"] }), image);
    expect(applied).toMatchObject({ command: ["/app/serve", "--port", "80"], workdir: "/app", user: "www:www" });
    expect(applied.env).toEqual(["PATH=/usr/local/bin:/usr/bin:/bin", "GREETING=from-image", "GREETING=from-flag"]);
    // A command replaces CMD, not ENTRYPOINT.
    expect(applyImageConfig(runOptions({ command: ["--port", "8080"] }), image).command).toEqual(["/app/serve", "--port", "8080"]);
    // --entrypoint replaces ENTRYPOINT and drops CMD; "" clears it.
    expect(applyImageConfig(runOptions({ command: [], entrypoint: "/bin/sh" }), image).command).toEqual(["/bin/sh"]);
    expect(applyImageConfig(runOptions({ command: ["echo", "hi"], entrypoint: "" }), image).command).toEqual(["echo", "hi"]);
    expect(applyImageConfig(runOptions({ command: [], workdir: "/tmp", user: "0" }), image)).toMatchObject({ workdir: "/tmp", user: "0" });
  });

  test("an image's bare KEY in ENV is dropped: it would copy the caller's KEY, as -e KEY does", () => {
    expect(applyImageConfig(runOptions({ command: [] }), { ...image, Env: ["AWS_SECRET_ACCESS_KEY", "A=1"] }).env).toEqual(["A=1"]);
  });

  test("nothing to run is an error with an image, /bin/sh without one (a rootfs minic did not build)", () => {
    expect(() => applyImageConfig(runOptions({ command: [], entrypoint: "" }), image)).toThrow("no command specified");
    expect(applyImageConfig(runOptions({ command: [] }), null).command).toEqual(["/bin/sh"]);
    expect(applyImageConfig(runOptions({ command: ["id"], entrypoint: "/usr/bin/env" }), null).command).toEqual(["/usr/bin/env", "id"]);
    expect(applyImageConfig(runOptions({ command: [], env: ["A=1"] }), null)).toMatchObject({ env: ["A=1"], workdir: null, user: null });
  });
});

describe("--env-file", () => {
  test("a K=V or K a line; blanks, leading spaces and # comments skipped; a bad line named by number", () => {
    expect(parseEnvFile("# settings\nA=1\n\n  B=two words\nC\r\nD=\n", "app.env")).toEqual(["A=1", "B=two words", "C", "D="]);
    expect(() => parseEnvFile("A=1\nBAD KEY=2\n", "app.env")).toThrow(new MinicError('invalid --env-file app.env, line 2: "BAD KEY=2" (expected KEY=VALUE or KEY)'));
    expect(() => parseEnvFile("=x\n", "app.env")).toThrow("line 1");
  });
});

describe("conmon's k8s-file log", () => {
  test("parts joined up to their full line; the last part, with no newline after it, comes out when flushed", async () => {
    const { parseKubernetesLog } = await import("../../src/container/logs.ts");
    const log = "2026-11-24T10:00:00.1Z stdout P hel\n2026-11-24T10:00:00.2Z stdout F lo\n2026-11-24T10:00:00.3Z stderr F oops\n2026-11-24T10:00:00.4Z stdout P no newline\n";
    expect(parseKubernetesLog(log).map((entry) => `${entry.stream}:${entry.text}`)).toEqual(["stdout:hello\n", "stderr:oops\n"]);
    expect(parseKubernetesLog(log, true).map((entry) => `${entry.stream}:${entry.text}`)).toEqual(["stdout:hello\n", "stderr:oops\n", "stdout:no newline"]);
  });
});
