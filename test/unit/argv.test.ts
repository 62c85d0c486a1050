import { describe, expect, test } from "bun:test";
import { parseRunArgs } from "../../src/cli/run.ts";
import { MinicError } from "../../src/errors.ts";

const parse = (...argv: string[]) => parseRunArgs(argv).options;

describe("run argument parsing", () => {
  test("defaults: ./rootfs, no command (the image's, else /bin/sh, is settled at run), no entrypoint", () => {
    const options = parse();
    expect(options.rootfs).toBe("./rootfs");
    expect(options.command).toEqual([]);
    expect(options.entrypoint).toBeNull();
    expect(parse("--entrypoint", "", "--env-file", "a.env", "--env-file", "b.env", "x")).toMatchObject({ entrypoint: "", envFiles: ["a.env", "b.env"], command: ["x"] });
    expect(options.network).toBe("bridge");
    expect(parse("--network", "default").network).toBe("bridge");
    expect(options.remove).toBe(false);
  });

  test("options stop at the first positional", () => {
    const options = parse("--rootfs", "R", "sh", "-c", "echo -n hi", "--rm");
    expect(options.rootfs).toBe("R");
    expect(options.command).toEqual(["sh", "-c", "echo -n hi", "--rm"]);
    expect(options.remove).toBe(false);
  });

  test("-- ends options", () => {
    expect(parse("--rm", "--", "--weird-command").command).toEqual(["--weird-command"]);
  });

  test("--flag=value, short clusters and attached short values", () => {
    const options = parse("--name=web", "-iw/srv", "-eA=1", "-e", "B", "--env=C=3", "true");
    expect(options.name).toBe("web");
    expect(options.interactive).toBe(true);
    expect(options.workdir).toBe("/srv");
    expect(options.env).toEqual(["A=1", "B", "C=3"]);
  });

  test("booleans accept =true and =false", () => {
    expect(parse("--rm=true").remove).toBe(true);
    expect(parse("--rm", "--rm=false").remove).toBe(false);
    expect(() => parse("--rm=yes")).toThrow(MinicError);
  });

  test("unknown flags, missing values and bad --network are MinicErrors with code 125", () => {
    for (const argv of [["--nope"], ["-x"], ["--name"], ["-e"], ["--network", "bad/name"]]) {
      try {
        parseRunArgs(argv);
        throw new Error(`accepted ${argv.join(" ")}`);
      } catch (error) {
        expect(error).toBeInstanceOf(MinicError);
        expect((error as MinicError).exitCode).toBe(125);
      }
    }
  });

  test("another container's network brings its names and resolver: --hostname, --dns* and --add-host conflict, as in Docker", () => {
    expect(() => parseRunArgs(["--network", "container:web", "--hostname", "x"])).toThrow("conflicting options: hostname and the network mode (--hostname with --network container:web)");
    expect(() => parseRunArgs(["--network", "container:web", "--dns", "1.1.1.1"])).toThrow("conflicting options: dns and the network mode");
    expect(() => parseRunArgs(["--network", "container:web", "--add-host", "a:1.2.3.4"])).toThrow("conflicting options: custom host-to-IP mapping and the network mode");
    expect(parseRunArgs(["--network", "container:web", "--name", "x"]).options.network).toBe("container:web");
  });

  test("--help is only a flag before the command", () => {
    expect(parseRunArgs(["--help"]).help).toBe(true);
    expect(parseRunArgs(["-h"]).help).toBe(true);
    const passed = parseRunArgs(["sh", "--help"]);
    expect(passed.help).toBe(false);
    expect(passed.options.command).toEqual(["sh", "--help"]);
  });
});
