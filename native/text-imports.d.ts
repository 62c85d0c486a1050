// `import text from "./protocol.h" with { type: "text" }` yields the file's text.
declare module "*.h" {
  const text: string;
  export default text;
}

// `import path from "./executor.so" with { type: "file" }` yields a path to the file (a $bunfs
// path inside a compiled minic).
declare module "*.so" {
  const path: string;
  export default path;
}
