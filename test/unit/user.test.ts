import { describe, expect, test } from "bun:test";
import { parseUserFlag, resolveUser, type UserDatabase } from "../../src/spec/user.ts";
import { MinicError } from "../../src/errors.ts";

const PASSWD = [
  "root:x:0:0:root:/root:/bin/sh",
  "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
  "alice:x:1000:1000:Alice:/home/alice:/bin/sh",
  "bob:x:1001:100:Bob:/home/bob:/bin/sh",
  "nohome:x:1002:1002:No home::/bin/sh",
  "",
].join("\n");

const GROUP = [
  "root:x:0:root",
  "daemon:x:1:root,daemon",
  "wheel:x:10:root,alice",
  "users:x:100:",
  "alice:x:1000:alice",
  "audio:x:29:alice,bob",
  "video:x:44:bob, alice",
  "",
].join("\n");

const db: UserDatabase = { passwd: PASSWD, group: GROUP };
const missing: UserDatabase = { passwd: null, group: null };

/** The MinicError `run` throws, so its message and exit code can be checked exactly. */
function failure(run: () => unknown): MinicError {
  try {
    run();
  } catch (error) {
    if (error instanceof MinicError) return error;
    throw error;
  }
  throw new Error("expected a MinicError");
}

describe("resolveUser: the default user", () => {
  test("null and \"\" are root with HOME and memberships from the container's files", () => {
    const root = { uid: 0, gid: 0, additionalGids: [1, 10], home: "/root" };
    expect(resolveUser(null, db)).toEqual(root);
    expect(resolveUser("", db)).toEqual(root);
  });

  test("root's HOME comes from passwd even when it is not /root", () => {
    const passwd = "root:x:0:0:root:/var/root:/bin/sh\n";
    expect(resolveUser(null, { passwd, group: null })).toEqual({ uid: 0, gid: 0, additionalGids: [], home: "/var/root" });
  });

  test("with no passwd file root still runs, with HOME=/root", () => {
    expect(resolveUser(null, missing)).toEqual({ uid: 0, gid: 0, additionalGids: [], home: "/root" });
    expect(resolveUser("0", missing)).toEqual({ uid: 0, gid: 0, additionalGids: [], home: "/root" });
  });

  test("-u 0 is the same as no -u", () => {
    expect(resolveUser("0", db)).toEqual(resolveUser(null, db));
    expect(resolveUser("root", db)).toEqual(resolveUser(null, db));
  });
});

describe("resolveUser: USER", () => {
  test("a name takes its passwd entry's uid, gid and home, and its memberships", () => {
    expect(resolveUser("alice", db)).toEqual({ uid: 1000, gid: 1000, additionalGids: [10, 29, 44], home: "/home/alice" });
    expect(resolveUser("bob", db)).toEqual({ uid: 1001, gid: 100, additionalGids: [29, 44], home: "/home/bob" });
  });

  test("a numeric uid in passwd takes that entry's gid, home and memberships", () => {
    expect(resolveUser("1000", db)).toEqual(resolveUser("alice", db));
    expect(resolveUser("1", db)).toEqual({ uid: 1, gid: 1, additionalGids: [], home: "/usr/sbin" });
  });

  test("a numeric uid absent from passwd runs with gid 0, HOME=/ and no supplementary group", () => {
    expect(resolveUser("4242", db)).toEqual({ uid: 4242, gid: 0, additionalGids: [], home: "/" });
  });

  test("leading zeros are still a uid", () => {
    expect(resolveUser("01000", db).uid).toBe(1000);
  });

  test("an all-digit USER is a uid, never a name", () => {
    const passwd = "1000:x:5:5::/home/digits:/bin/sh\nreal:x:1000:7::/home/real:/bin/sh\n";
    expect(resolveUser("1000", { passwd, group: null })).toEqual({ uid: 1000, gid: 7, additionalGids: [], home: "/home/real" });
  });

  test("an unknown name fails with Docker's message and exit code 125", () => {
    const error = failure(() => resolveUser("mallory", db));
    expect(error.message).toBe("unable to find user mallory: no matching entries in passwd file");
    expect(error.exitCode).toBe(125);
  });

  test("a user whose home field is empty gets HOME=/", () => {
    expect(resolveUser("nohome", db).home).toBe("/");
  });

  test("the primary group is not repeated among the supplementary groups", () => {
    // alice is listed in her own group "alice" (1000) and daemon is listed in "daemon" (1).
    expect(resolveUser("alice", db).additionalGids).not.toContain(1000);
    expect(resolveUser("daemon", db).additionalGids).toEqual([]);
  });

  test("a gid listed twice in /etc/group is one supplementary group", () => {
    const group = "a:x:50:bob\nb:x:50:bob\nc:x:51:bob\n";
    expect(resolveUser("bob", { passwd: PASSWD, group }).additionalGids).toEqual([50, 51]);
  });

  test("membership is by exact name, not by prefix", () => {
    const group = "g:x:60:alice2,xalice\n";
    expect(resolveUser("alice", { passwd: PASSWD, group }).additionalGids).toEqual([]);
  });
});

describe("resolveUser: USER:GROUP", () => {
  test("name:group takes the group's gid and only that group, as Docker documents", () => {
    expect(resolveUser("alice:audio", db)).toEqual({ uid: 1000, gid: 29, additionalGids: [], home: "/home/alice" });
  });

  test("uid:gid works with ids known or not", () => {
    expect(resolveUser("1000:10", db)).toEqual({ uid: 1000, gid: 10, additionalGids: [], home: "/home/alice" });
    expect(resolveUser("5000:6000", db)).toEqual({ uid: 5000, gid: 6000, additionalGids: [], home: "/" });
  });

  test("uid:groupname and name:gid mix freely", () => {
    expect(resolveUser("5000:wheel", db)).toEqual({ uid: 5000, gid: 10, additionalGids: [], home: "/" });
    expect(resolveUser("bob:7", db)).toEqual({ uid: 1001, gid: 7, additionalGids: [], home: "/home/bob" });
  });

  test("an unknown group name fails with Docker's message", () => {
    expect(failure(() => resolveUser("alice:nogroup", db)).message).toBe(
      "unable to find group nogroup: no matching entries in group file",
    );
  });

  test("an unknown user is reported before the group", () => {
    expect(failure(() => resolveUser("mallory:nogroup", db)).message).toBe(
      "unable to find user mallory: no matching entries in passwd file",
    );
  });

  test("\"name:\" is the same as \"name\"", () => {
    expect(resolveUser("alice:", db)).toEqual(resolveUser("alice", db));
  });
});

describe("resolveUser: missing files", () => {
  test("numeric ids work with neither file", () => {
    expect(resolveUser("1000", missing)).toEqual({ uid: 1000, gid: 0, additionalGids: [], home: "/" });
    expect(resolveUser("1000:1000", missing)).toEqual({ uid: 1000, gid: 1000, additionalGids: [], home: "/" });
  });

  test("names fail with neither file", () => {
    expect(failure(() => resolveUser("alice", missing)).message).toBe(
      "unable to find user alice: no matching entries in passwd file",
    );
    expect(failure(() => resolveUser("0:wheel", missing)).message).toBe(
      "unable to find group wheel: no matching entries in group file",
    );
  });

  test("a passwd without a group file resolves the user with no supplementary group", () => {
    expect(resolveUser("alice", { passwd: PASSWD, group: null })).toEqual({
      uid: 1000, gid: 1000, additionalGids: [], home: "/home/alice",
    });
  });
});

describe("resolveUser: file parsing", () => {
  test("comments, blank lines, CRLF and leading blanks are tolerated", () => {
    const passwd = "# users\r\n\r\n   \r\n  alice:x:1000:1000::/home/alice:/bin/sh\r\n";
    const group = "# groups\r\n\r\nwheel:x:10:alice\r\nstaff:x:50:root,alice\r\n";
    expect(resolveUser("alice", { passwd, group })).toEqual({ uid: 1000, gid: 1000, additionalGids: [10, 50], home: "/home/alice" });
  });

  test("malformed lines are skipped rather than read as root", () => {
    const passwd = [
      "short:x:2000",
      "badid:x:abc:0::/bad:/bin/sh",
      "badgid:x:2001:-1::/bad:/bin/sh",
      ":x:2002:0::/noname:/bin/sh",
      "ok:x:2003:2003::/home/ok:/bin/sh",
    ].join("\n");
    const group = ["shortgroup:x:70", "badgid:x:xyz:ok", "good:x:71:ok"].join("\n");
    const fixed = { passwd, group };
    expect(failure(() => resolveUser("short", fixed)).message).toContain("unable to find user short");
    expect(failure(() => resolveUser("badid", fixed)).message).toContain("unable to find user badid");
    expect(failure(() => resolveUser("badgid", fixed)).message).toContain("unable to find user badgid");
    expect(resolveUser("2000", fixed)).toEqual({ uid: 2000, gid: 0, additionalGids: [], home: "/" });
    expect(resolveUser("ok", fixed)).toEqual({ uid: 2003, gid: 2003, additionalGids: [71], home: "/home/ok" });
    expect(failure(() => resolveUser("ok:shortgroup", fixed)).message).toContain("unable to find group shortgroup");
  });

  test("the first matching entry wins", () => {
    const passwd = "dup:x:3000:3000::/first:/bin/sh\ndup:x:3001:3001::/second:/bin/sh\nother:x:3000:9::/other:/bin/sh\n";
    const group = "g:x:80:\ng:x:81:\n";
    const twice = { passwd, group };
    expect(resolveUser("dup", twice)).toEqual({ uid: 3000, gid: 3000, additionalGids: [], home: "/first" });
    expect(resolveUser("3000", twice).home).toBe("/first");
    expect(resolveUser("dup:g", twice).gid).toBe(80);
  });
});

describe("parseUserFlag", () => {
  test("splits USER and GROUP without looking anything up", () => {
    expect(parseUserFlag("alice")).toEqual({ user: "alice", group: null });
    expect(parseUserFlag("alice:audio")).toEqual({ user: "alice", group: "audio" });
    expect(parseUserFlag("1000:1000")).toEqual({ user: "1000", group: "1000" });
    expect(parseUserFlag("alice:")).toEqual({ user: "alice", group: null });
  });

  test("an empty USER is refused", () => {
    expect(failure(() => parseUserFlag(":wheel")).message).toBe('invalid user ":wheel": USER is empty (expected -u USER[:GROUP])');
    expect(failure(() => parseUserFlag(":")).message).toContain("USER is empty");
  });

  test("more than one colon is refused", () => {
    expect(failure(() => parseUserFlag("a:b:c")).message).toBe('invalid user "a:b:c": too many colons (expected -u USER[:GROUP])');
  });

  test("a NUL byte is refused, and shown escaped", () => {
    expect(failure(() => parseUserFlag("ali\0ce")).message).toBe('invalid user "ali\\u0000ce": contains a NUL byte');
  });

  test("ids run from 0 to 4294967294; -1, 4294967295 and overflow are refused", () => {
    expect(parseUserFlag("4294967294:4294967294")).toEqual({ user: "4294967294", group: "4294967294" });
    expect(resolveUser("4294967294:4294967294", missing)).toEqual({ uid: 4294967294, gid: 4294967294, additionalGids: [], home: "/" });
    const range = "uids and gids must be in range 0-4294967294";
    expect(failure(() => parseUserFlag("4294967295")).message).toBe(`invalid user "4294967295": ${range}`);
    expect(failure(() => parseUserFlag("1000:4294967295")).message).toBe(`invalid user "1000:4294967295": ${range}`);
    expect(failure(() => parseUserFlag("-1")).message).toBe(`invalid user "-1": ${range}`);
    expect(failure(() => parseUserFlag("0:-5")).message).toBe(`invalid user "0:-5": ${range}`);
    expect(failure(() => parseUserFlag("99999999999999999999999")).message).toContain(range);
    expect(failure(() => resolveUser("-1", db)).message).toContain(range);
  });

  test("a non-decimal id is a name, and fails as an unknown one", () => {
    expect(failure(() => resolveUser("0x10", db)).message).toBe("unable to find user 0x10: no matching entries in passwd file");
    expect(failure(() => resolveUser("1e3", db)).message).toBe("unable to find user 1e3: no matching entries in passwd file");
    expect(failure(() => resolveUser("alice:0x10", db)).message).toBe("unable to find group 0x10: no matching entries in group file");
  });
});
