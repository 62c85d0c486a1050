// `minic --version`, in runc's shape for both command lines (engines show and log it): the
// version, then the runtime spec it implements and the libseccomp it compiles profiles with.
import { libseccompVersion } from "../../native/libseccomp.ts";
import { OCI_VERSION } from "../spec/types.ts";
import { VERSION } from "./command.ts";

export function versionText(): string {
  return `minic version ${VERSION}\nspec: ${OCI_VERSION}\nlibseccomp: ${libseccompVersion() ?? "not found"}\n`;
}
