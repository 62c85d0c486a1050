// The part of Go's text/template that Docker users script `--format` with: text, `{{.A.B}}`
// field paths, `{{json .A}}`, `{{index .A "key"}}`, and `{{range .A}}...{{end}}` over a list or
// a map's values. Anything else is refused by name, so a template never half works.
import { MinicError } from "../errors.ts";

type Value = unknown;

type Node =
  | { kind: "text"; text: string }
  | { kind: "print"; expression: Expression }
  | { kind: "range"; over: Expression; body: Node[] };

type Expression = { fn: "path" | "json"; path: string[] } | { fn: "index"; path: string[]; key: string };

function refuse(template: string, why: string): never {
  throw new MinicError(`invalid --format template ${JSON.stringify(template)}: ${why}`);
}

function parsePath(token: string, template: string): string[] {
  if (token === ".") return [];
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(token)) refuse(template, `"${token}" is not a field path such as .State.Pid`);
  return token.slice(1).split(".");
}

function parseExpression(action: string, template: string): Expression {
  const words = action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  const [first = "", ...rest] = words;
  if (first.startsWith(".") && rest.length === 0) return { fn: "path", path: parsePath(first, template) };
  if (first === "json" && rest.length === 1) return { fn: "json", path: parsePath(rest[0] ?? "", template) };
  if (first === "index" && rest.length === 2 && /^"/.test(rest[1] ?? "")) {
    return { fn: "index", path: parsePath(rest[0] ?? "", template), key: JSON.parse(rest[1] ?? '""') as string };
  }
  return refuse(template, `{{${action}}} is not supported (minic's --format knows .Field.Paths, json, index, range)`);
}

export function parseTemplate(template: string): Node[] {
  const root: Node[] = [];
  const stack: Node[][] = [root];
  const top = (): Node[] => stack[stack.length - 1] ?? root;
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf("{{");
    if (open === -1) {
      top().push({ kind: "text", text: rest });
      break;
    }
    if (open > 0) top().push({ kind: "text", text: rest.slice(0, open) });
    const close = rest.indexOf("}}", open);
    if (close === -1) refuse(template, "a {{ without its }}");
    const action = rest.slice(open + 2, close).trim();
    rest = rest.slice(close + 2);
    if (action.startsWith("range ")) {
      const node: Node = { kind: "range", over: parseExpression(action.slice(6).trim(), template), body: [] };
      top().push(node);
      stack.push(node.body);
    } else if (action === "end") {
      if (stack.length === 1) refuse(template, "{{end}} without {{range}}");
      stack.pop();
    } else {
      top().push({ kind: "print", expression: parseExpression(action, template) });
    }
  }
  if (stack.length > 1) refuse(template, "{{range}} without {{end}}");
  return root;
}

function lookup(value: Value, path: string[]): Value {
  let current = value;
  for (const name of path) {
    if (typeof current !== "object" || current === null || !Object.hasOwn(current, name)) return undefined;
    current = (current as Record<string, Value>)[name];
  }
  return current;
}

function evaluate(expression: Expression, dot: Value): Value {
  const found = lookup(dot, expression.path);
  if (expression.fn === "index") return typeof found === "object" && found !== null ? (found as Record<string, Value>)[expression.key] : undefined;
  return found;
}

/** As Go prints a value: maps as map[k:v], lists as [a b], nothing as <no value>. */
export function goString(value: Value): string {
  if (value === undefined) return "<no value>";
  if (value === null) return "<nil>";
  if (Array.isArray(value)) return `[${value.map(goString).join(" ")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, Value>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([key, item]) => `${key}:${goString(item)}`).join(" ")}]`;
  }
  return String(value);
}

function render(nodes: Node[], dot: Value): string {
  let out = "";
  for (const node of nodes) {
    if (node.kind === "text") out += node.text;
    else if (node.kind === "print") {
      const value = evaluate(node.expression, dot);
      out += node.expression.fn === "json" ? JSON.stringify(value ?? null) : goString(value);
    } else {
      const over = evaluate(node.over, dot);
      const items = Array.isArray(over) ? over : typeof over === "object" && over !== null ? Object.values(over) : [];
      for (const item of items) out += render(node.body, item);
    }
  }
  return out;
}

/** `template` applied to `value`: parse errors are thrown before anything is printed. */
export function formatWith(template: string): (value: Value) => string {
  const nodes = parseTemplate(template);
  return (value) => render(nodes, value);
}
