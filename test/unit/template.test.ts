import { describe, expect, test } from "bun:test";
import { MinicError } from "../../src/errors.ts";
import { formatWith, goString } from "../../src/cli/template.ts";

const container = {
  Id: "abc",
  State: { Pid: 42, Running: true, ExitCode: 0 },
  Config: { Env: ["A=1", "B=2"], Labels: { role: "web" }, Entrypoint: null },
  Mounts: [{ Source: "/srv", Destination: "/data" }, { Source: "/tmp", Destination: "/scratch" }],
};

describe("--format templates", () => {
  test("field paths, json, index and range, with text around them", () => {
    expect(formatWith("{{.State.Pid}}")(container)).toBe("42");
    expect(formatWith("{{.Id}} is {{.State.Running}}")(container)).toBe("abc is true");
    expect(formatWith("{{json .Config.Labels}}")(container)).toBe('{"role":"web"}');
    expect(formatWith("{{index .Config.Labels \"role\"}}")(container)).toBe("web");
    expect(formatWith("{{range .Mounts}}{{.Source}}:{{.Destination}} {{end}}")(container)).toBe("/srv:/data /tmp:/scratch ");
    expect(formatWith("{{json .}}")({ a: 1 })).toBe('{"a":1}');
  });

  test("values print as Go prints them", () => {
    expect(formatWith("{{.Config.Env}}")(container)).toBe("[A=1 B=2]");
    expect(formatWith("{{.Config.Labels}}")(container)).toBe("map[role:web]");
    expect(formatWith("{{.Config.Entrypoint}}")(container)).toBe("<nil>");
    expect(formatWith("{{.Nope.Field}}")(container)).toBe("<no value>");
    expect(goString({ b: 2, a: [1, 2] })).toBe("map[a:[1 2] b:2]");
  });

  test("what it does not know is refused by name, before anything runs", () => {
    expect(() => formatWith("{{.State.Pid | printf \"%d\"}}")).toThrow(MinicError);
    expect(() => formatWith("{{if .State.Running}}up{{end}}")).toThrow('invalid --format template "{{if .State.Running}}up{{end}}": {{if .State.Running}} is not supported');
    expect(() => formatWith("{{.State.Pid")).toThrow("a {{ without its }}");
    expect(() => formatWith("{{range .Mounts}}x")).toThrow("{{range}} without {{end}}");
    expect(() => formatWith("{{end}}")).toThrow("{{end}} without {{range}}");
    expect(() => formatWith("{{State.Pid}}")).toThrow("is not supported");
  });
});
