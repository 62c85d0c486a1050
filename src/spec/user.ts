// -u, --user USER[:GROUP] for `run` and `exec`, resolved as Docker resolves it: moby's daemon
// (getUser) hands the flag to github.com/moby/sys/user GetExecUser, and runc fills HOME from the
// passwd entry of the final uid. Everything is looked up in the CONTAINER's /etc/passwd and
// /etc/group, never the host's, so this module is pure: the caller reads the two files.
import { MinicError } from "../errors.ts";

export interface ResolvedUser {
  uid: number;
  gid: number;
  /**
   * Supplementary groups in /etc/group order, without the primary gid and without repeats.
   * Docker's OCI spec lists the primary gid first and then these, so setgroups([gid, ...these])
   * reproduces what `id` shows inside a Docker container.
   */
  additionalGids: number[];
  home: string;
}

/** Texts of the container's /etc/passwd and /etc/group; null when the file is missing. */
export interface UserDatabase {
  passwd: string | null;
  group: string | null;
}

/**
 * The largest id a process can hold: (uid_t)-1 = 4294967295 means "leave unchanged" to
 * setresuid(2) and setgroups, so it can never be a real id. Docker stops at 2^31-1 only because
 * Go's int is 32 bits on some of its platforms; the kernel takes the whole range.
 */
const MAX_ID = 2 ** 32 - 2;

const DECIMAL = /^[0-9]+$/;

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/**
 * Checks the text of `-u USER[:GROUP]` without looking anything up. An all-digit USER or GROUP
 * is an id, never a name, as in Docker; anything else is a name to find in the container.
 */
export function parseUserFlag(value: string): { user: string; group: string | null } {
  const shown = JSON.stringify(value);
  if (value.includes("\0")) throw new MinicError(`invalid user ${shown}: contains a NUL byte`);
  const colon = value.indexOf(":");
  const user = colon === -1 ? value : value.slice(0, colon);
  const group = colon === -1 ? "" : value.slice(colon + 1);
  // Docker reads ":grp" as root with that group; refusing it keeps a typo from running as root.
  if (user === "") throw new MinicError(`invalid user ${shown}: USER is empty (expected -u USER[:GROUP])`);
  // Docker silently drops everything after a second colon; a refusal says what went wrong.
  if (group.includes(":")) throw new MinicError(`invalid user ${shown}: too many colons (expected -u USER[:GROUP])`);
  checkIdRange(user, shown);
  checkIdRange(group, shown);
  // "name:" is the same as "name" in Docker: an empty GROUP means "the user's own".
  return { user, group: group === "" ? null : group };
}

/**
 * uid, gid, supplementary groups and home for `-u value` (null or "" is Docker's default, root).
 * A name must exist in the container; a numeric id need not, as Docker allows running as any uid.
 */
export function resolveUser(value: string | null, db: UserDatabase): ResolvedUser {
  const { user, group } = value === null || value === "" ? { user: "0", group: null } : parseUserFlag(value);
  const users = parsePasswd(db.passwd);
  const numericUser = DECIMAL.test(user);
  // First match wins, as in glibc and moby, when a file repeats a name or uid.
  const entry = numericUser ? users.find((u) => u.uid === Number(user)) : users.find((u) => u.name === user);
  if (entry === undefined && !numericUser) {
    throw new MinicError(`unable to find user ${user}: no matching entries in passwd file`);
  }
  const uid = entry?.uid ?? Number(user);
  // An unknown uid gets the root group: Docker's documented "no primary group" behaviour.
  const primaryGid = entry?.gid ?? 0;
  // Root with no passwd entry keeps minic's long-standing HOME=/root (the image's own default);
  // any other unknown uid gets runc's "/".
  const home = entry !== undefined ? entry.home || "/" : uid === 0 ? "/root" : "/";
  const groups = parseGroup(db.group);

  if (group !== null) {
    // Docker: with an explicit GROUP the user has only that group; memberships are ignored.
    if (DECIMAL.test(group)) return { uid, gid: Number(group), additionalGids: [], home };
    const named = groups.find((g) => g.name === group);
    if (named === undefined) throw new MinicError(`unable to find group ${group}: no matching entries in group file`);
    return { uid, gid: named.gid, additionalGids: [], home };
  }

  // Memberships are by user name, so a uid with no passwd entry has none.
  const additionalGids: number[] = [];
  if (entry !== undefined) {
    for (const g of groups) {
      if (g.members.includes(entry.name) && g.gid !== primaryGid && !additionalGids.includes(g.gid)) {
        additionalGids.push(g.gid);
      }
    }
  }
  return { uid, gid: primaryGid, additionalGids, home };
}

/** A decimal id out of range is refused; a non-decimal text is a name and is left to the lookup. */
function checkIdRange(text: string, shown: string): void {
  const negative = text.startsWith("-") && DECIMAL.test(text.slice(1));
  if (negative || (DECIMAL.test(text) && Number(text) > MAX_ID)) {
    throw new MinicError(`invalid user ${shown}: uids and gids must be in range 0-${MAX_ID}`);
  }
}

/** A decimal id from a passwd or group field, or null when the field is not one. */
function fieldId(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const id = Number(text);
  return id <= MAX_ID ? id : null;
}

/** The non-blank, non-comment lines of a file, trimmed the way glibc and moby trim them (CRLF too). */
function entryLines(text: string | null): string[] {
  if (text === null) return [];
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** name:password:uid:gid:gecos:home:shell; a line short of fields or with a bad id is skipped. */
function parsePasswd(text: string | null): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const line of entryLines(text)) {
    const fields = line.split(":");
    const [name, , uidField, gidField, , home] = fields;
    if (fields.length < 7 || !name || uidField === undefined || gidField === undefined || home === undefined) continue;
    const uid = fieldId(uidField);
    const gid = fieldId(gidField);
    if (uid === null || gid === null) continue;
    entries.push({ name, uid, gid, home });
  }
  return entries;
}

/** name:password:gid:member,member; a line short of fields or with a bad gid is skipped. */
function parseGroup(text: string | null): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const line of entryLines(text)) {
    const fields = line.split(":");
    const [name, , gidField, memberField] = fields;
    if (fields.length < 4 || !name || gidField === undefined || memberField === undefined) continue;
    const gid = fieldId(gidField);
    if (gid === null) continue;
    const members = memberField.split(",").map((member) => member.trim()).filter((member) => member !== "");
    entries.push({ name, gid, members });
  }
  return entries;
}
