// `import source from "./executor.c" with { type: "text" }` yields the file's text.
declare module "*.c" {
  const text: string;
  export default text;
}

// `import path from "./executor.so" with { type: "file" }` yields a path to the file (a $bunfs
// path inside a compiled minic).
declare module "*.so" {
  const path: string;
  export default path;
}
