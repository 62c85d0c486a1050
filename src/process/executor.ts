import { loadExecutor, type NativeExecutor } from "../../native/executor.ts";
import { stateError } from "../state/store.ts";

/** The native executor, its cache in the state directory; a state directory that cannot hold it is one line. */
export function executorIn(root: string): NativeExecutor {
  try {
    return loadExecutor(root);
  } catch (error) {
    throw stateError("write the executor library to", root, error);
  }
}
