/**
 * Optional bodies of the admin API take what clients send (issue 25, part 5): drain,
 * disable and enable accept an empty body whatever its content type — what
 * `curl -X POST -H 'content-type: application/json'` sends (no body at all), a client's
 * `Content-Length: 0`, `curl -d ''` (form content type), a Fetch `body: ""` (text/plain) —
 * and record "no reason given" where a reason is kept. A malformed non-empty body is still
 * a 400 naming the problem, and changes nothing.
 *
 * The routes whose body is not optional are checked too: the DELETEs that clear overrides
 * take no body (an empty one with a JSON content type is fine), and rollback needs its
 * `{ version }` (its reason is optional).
 */
import { beforeAll, describe, it } from "vitest";
import { admin, poolConfig, useConfig } from "./helpers.ts";

/** Two origins nothing listens on: the operations need them in the config, not reachable. */
const ORIGINS = { eb1: "http://127.0.0.1:9/eb1", eb2: "http://127.0.0.1:9/eb2" };
const ID = "eb1";
const NO_REASON = "no reason given";

interface Override {
  value: unknown;
  reason: string;
  actor: string;
}
interface OverrideResult {
  origin: string;
  overrides: { state?: Override; weight?: Override; health?: Override };
}
interface ErrorBody {
  error: string;
  code: string;
}

/** A body-less call as a client sends it; `body` undefined sends none at all. */
function call(method: string, path: string, contentType: string | undefined, body?: string): Promise<Response> {
  const headers = new Headers({ "x-edgeway-actor": "empty-body-test" });
  if (contentType !== undefined) headers.set("content-type", contentType);
  // Bytes, so the runtime adds no content type of its own to a string body.
  return admin(path, { method, headers, ...(body === undefined ? {} : { body: new TextEncoder().encode(body) }) });
}

async function ok<T>(res: Promise<Response>): Promise<T> {
  const r = await res;
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${r.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function overridesOf(id: string): Promise<OverrideResult["overrides"]> {
  const view = await ok<{ origins: Record<string, { overrides: OverrideResult["overrides"] }> }>(admin("/origins"));
  return view.origins[id]?.overrides ?? {};
}

async function clearAll(): Promise<void> {
  await ok(admin(`/origins/${ID}/overrides`, { method: "DELETE" }));
}

/** The newest audit entry's summary. */
async function lastAudit(): Promise<string | undefined> {
  return (await ok<{ entries: { summary: string }[] }>(admin("/audit?limit=1"))).entries[0]?.summary;
}

/** Empty bodies as clients send them: no body at all, or Content-Length: 0, under each content type. */
const EMPTY_BODIES: readonly { name: string; contentType: string | undefined; body: string | undefined }[] = [
  {
    name: "content-type: application/json, no body (curl -X POST -H 'content-type: application/json')",
    contentType: "application/json",
    body: undefined,
  },
  { name: "content-type: application/json; charset=utf-8, content-length: 0", contentType: "application/json; charset=utf-8", body: "" },
  { name: "application/x-www-form-urlencoded, content-length: 0 (curl -d '')", contentType: "application/x-www-form-urlencoded", body: "" },
  { name: 'text/plain;charset=UTF-8, content-length: 0 (fetch with body "")', contentType: "text/plain;charset=UTF-8", body: "" },
];

/** Empty bodies with no content type, or one that is not JSON. */
const EMPTY_NOT_JSON = [
  { name: "no content type, no body", contentType: undefined, body: undefined },
  { name: "no content type, content-length: 0", contentType: undefined, body: "" },
  ...EMPTY_BODIES.filter((e) => !e.contentType?.startsWith("application/json")),
];

const OPERATIONS = [
  { verb: "drain", state: "drained" },
  { verb: "disable", state: "disabled" },
] as const;

beforeAll(async () => {
  await useConfig(poolConfig(ORIGINS));
});

for (const { verb, state } of OPERATIONS) {
  describe(`POST /origins/{id}/${verb}`, () => {
    it('accepts an empty body with content-type: application/json, recording "no reason given"', async ({ expect }) => {
      try {
        for (const empty of EMPTY_BODIES.filter((e) => e.contentType?.startsWith("application/json"))) {
          await clearAll();
          const result = await ok<OverrideResult>(call("POST", `/origins/${ID}/${verb}`, empty.contentType, empty.body)).catch(
            (e: unknown) => {
              throw new Error(`${empty.name}: ${String(e)}`);
            },
          );
          expect(result.overrides.state, empty.name).toMatchObject({ value: state, reason: NO_REASON, actor: "empty-body-test" });
          expect((await overridesOf(ID)).state, empty.name).toMatchObject({ value: state, reason: NO_REASON });
          expect(await lastAudit(), empty.name).toMatch(new RegExp(`^${ID}: ${state} \\(${NO_REASON}\\)`));
        }
      } finally {
        await clearAll();
      }
    });

    it("accepts an empty body with no content type, or any other one", async ({ expect }) => {
      try {
        for (const empty of EMPTY_NOT_JSON) {
          await clearAll();
          const answer = await call("POST", `/origins/${ID}/${verb}`, empty.contentType, empty.body);
          expect(answer.status, `${empty.name}: ${await answer.clone().text()}`).toBe(200);
          expect(((await answer.json()) as OverrideResult).overrides.state, empty.name).toMatchObject({ value: state, reason: NO_REASON });
        }
      } finally {
        await clearAll();
      }
    });

    it("still answers 400 naming the problem for a malformed body, and changes nothing", async ({ expect }) => {
      await clearAll();
      const answer = await call("POST", `/origins/${ID}/${verb}`, "application/json", "{");
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as ErrorBody;
      expect(body.code).toBe("bad_request");
      expect(body.error).toMatch(/malformed JSON/i);
      expect(body.error).toContain(`/origins/${ID}/${verb}`);
      expect(await overridesOf(ID)).toEqual({});
      // A body that parses but is wrong names the field, as before.
      const extra = await call("POST", `/origins/${ID}/${verb}`, "application/json", '{"reason":""}');
      expect(extra.status).toBe(400);
      expect(((await extra.json()) as ErrorBody).error).toMatch(/reason/);
      // A non-empty body must be JSON.
      const text = await call("POST", `/origins/${ID}/${verb}`, "text/plain", '{"reason":"x"}');
      expect(text.status).toBe(415);
      expect(await overridesOf(ID)).toEqual({});
    });
  });
}

describe("POST /origins/{id}/enable", () => {
  it("accepts an empty body with content-type: application/json (no reason recorded)", async ({ expect }) => {
    try {
      for (const empty of EMPTY_BODIES.filter((e) => e.contentType?.startsWith("application/json"))) {
        await ok(call("POST", `/origins/${ID}/drain`, "application/json", '{"reason":"before enable"}'));
        const result = await ok<OverrideResult>(call("POST", `/origins/${ID}/enable`, empty.contentType, empty.body)).catch(
          (e: unknown) => {
            throw new Error(`${empty.name}: ${String(e)}`);
          },
        );
        expect(result.overrides.state, empty.name).toBeUndefined();
        expect((await overridesOf(ID)).state, empty.name).toBeUndefined();
        expect(await lastAudit(), empty.name).toMatch(new RegExp(`^${ID}: enabled( \\(token [^)]*\\))?$`));
      }
    } finally {
      await clearAll();
    }
  });

  it("accepts an empty body with no content type, or any other one", async ({ expect }) => {
    try {
      for (const empty of EMPTY_NOT_JSON) {
        await ok(call("POST", `/origins/${ID}/disable`, "application/json", '{"reason":"before enable"}'));
        const answer = await call("POST", `/origins/${ID}/enable`, empty.contentType, empty.body);
        expect(answer.status, `${empty.name}: ${await answer.clone().text()}`).toBe(200);
        expect((await overridesOf(ID)).state, empty.name).toBeUndefined();
      }
    } finally {
      await clearAll();
    }
  });

  it("still answers 400 naming the problem for a malformed body, and changes nothing", async ({ expect }) => {
    try {
      await ok(call("POST", `/origins/${ID}/drain`, "application/json", '{"reason":"stays drained"}'));
      const answer = await call("POST", `/origins/${ID}/enable`, "application/json", "{");
      expect(answer.status).toBe(400);
      const body = (await answer.json()) as ErrorBody;
      expect(body.code).toBe("bad_request");
      expect(body.error).toMatch(/malformed JSON/i);
      expect((await overridesOf(ID)).state).toMatchObject({ value: "drained", reason: "stays drained" });
    } finally {
      await clearAll();
    }
  });
});

describe("routes whose body is not optional", () => {
  it("the DELETEs that clear overrides take no body: an empty one with a JSON content type is fine", async ({ expect }) => {
    for (const path of ["weight", "health", "overrides"]) {
      await ok(call("POST", `/origins/${ID}/weight`, "application/json", '{"weight":3}'));
      await ok(call("POST", `/origins/${ID}/health`, "application/json", '{"state":"unhealthy","reason":"maintenance"}'));
      for (const contentType of ["application/json", undefined]) {
        const answer = await call("DELETE", `/origins/${ID}/${path}`, contentType);
        expect(answer.status, `DELETE …/${path} (${contentType ?? "no content type"}): ${await answer.clone().text()}`).toBe(200);
      }
      const left = await overridesOf(ID);
      if (path !== "health") expect(left.weight).toBeUndefined();
      if (path !== "weight") expect(left.health).toBeUndefined();
      await clearAll();
    }
  });

  it("POST …/weight records no reason given without one, and still needs its weight", async ({ expect }) => {
    try {
      const weighted = await ok<OverrideResult>(call("POST", `/origins/${ID}/weight`, "application/json", '{"weight":2}'));
      expect(weighted.overrides.weight).toMatchObject({ value: 2, reason: NO_REASON });
      const empty = await call("POST", `/origins/${ID}/weight`, "application/json");
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as ErrorBody).error).toMatch(/malformed JSON|weight/i);
    } finally {
      await clearAll();
    }
  });

  it("POST /config/rollback: the reason is optional, the body is not", async ({ expect }) => {
    const version = await useConfig(poolConfig(ORIGINS));
    const rolled = await ok<{ version: number; rolledBackTo: number }>(
      call("POST", "/config/rollback", "application/json", JSON.stringify({ version })),
    );
    expect(rolled.rolledBackTo).toBe(version);
    const history = await ok<{ versions: { version: number; reason: string | null; rollbackOf: number | null }[] }>(
      admin("/config/history?limit=1"),
    );
    expect(history.versions[0]).toMatchObject({ version: rolled.version, reason: null, rollbackOf: version });
    for (const body of [undefined, "", "{"]) {
      const answer = await call("POST", "/config/rollback", "application/json", body);
      expect(answer.status, `body ${JSON.stringify(body)}`).toBe(400);
      expect(((await answer.json()) as ErrorBody).error).toMatch(/malformed JSON|version/i);
    }
  });
});
