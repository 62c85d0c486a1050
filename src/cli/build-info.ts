// A Bun macro (imported `with { type: "macro" }`): it runs while minic is bundled, or while Bun
// transpiles the source, so the binary carries the commit it was built from and when.
export function buildInfo(): { commit: string; built: string } {
  const git = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: import.meta.dir, stdout: "pipe", stderr: "ignore" });
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd: import.meta.dir, stdout: "pipe", stderr: "ignore" });
  const commit = git.exitCode === 0 ? git.stdout.toString().trim() : "unknown";
  return { commit: dirty.exitCode === 0 && dirty.stdout.toString().trim() !== "" ? `${commit}-dirty` : commit, built: new Date().toISOString().replace(/\.\d+Z$/, "Z") };
}
