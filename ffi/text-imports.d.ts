// `import source from "./executor.c" with { type: "text" }` yields the file's text.
declare module "*.c" {
  const text: string;
  export default text;
}
