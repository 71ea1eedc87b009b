// The scopes preview as a TypeScript app meets it: @honcho-ai/sdk 2.5.0 against the mock of 3.1-preview.
// Usage: node flow.mjs <base-url>. Exits non-zero with a message on the first mismatch.
import assert from "node:assert/strict";
import { Honcho } from "@honcho-ai/sdk";

const baseURL = process.argv[2];
const honcho = new Honcho({ baseURL, workspaceId: "ts-scopes", apiKey: "unused-when-auth-is-off", maxRetries: 0 });

const alice = await honcho.peer("alice");
const bob = await honcho.peer("bob");
const work = await honcho.scope("work", { metadata: { team: "core" } });
assert.equal(work.id, "work");
assert.deepEqual(work.metadata, { team: "core" });
const office = await honcho.session("office", { peers: [alice, bob] });
await office.addMessages([alice.message("the deadline is friday"), bob.message("friday works")]);
const home = await honcho.session("home", { peers: [alice], scopes: ["family"] });
await home.addMessages([alice.message("dinner is at seven on friday")]);
await work.addSessions([office]);

assert.deepEqual((await work.sessions()).items.map((s) => s.id), ["office"]);
const status = await work.status();
assert.deepEqual(Object.keys(status.backfillStatus), ["office"]);
assert.equal(status.backfillStatus.office.state, "completed");
assert.deepEqual((await honcho.scopes()).items.map((s) => s.id).sort(), ["family", "work"]);
assert.deepEqual((await honcho.getScope("family")).id, "family");
assert.deepEqual((await honcho.peers()).items.map((p) => p.id), ["alice", "bob"]);
assert.deepEqual((await office.peers()).map((p) => p.id), ["alice", "bob"]);

const found = await honcho.search("friday", { scope: "work" });
assert.deepEqual(found.map((m) => m.content).sort(), ["friday works", "the deadline is friday"]);
assert.deepEqual(new Set((await honcho.search("friday")).map((m) => m.sessionId)), new Set(["office", "home"]));

await alice.conclusions.create([
  { content: "alice has a deadline on friday", sessionId: "office" },
  { content: "alice eats dinner at seven", sessionId: "home" },
]);
const scoped = await alice.representation({ scope: "work" });
assert.ok(scoped.includes("deadline") && !scoped.includes("dinner"), scoped);
const family = await alice.representation({ scope: ["family"] });
assert.ok(family.includes("dinner") && !family.includes("deadline"), family);
const answer = await alice.chat("when is the deadline?", { scope: "work" });
assert.ok(answer && answer.includes("friday"), String(answer));
const context = await office.context({ peerTarget: "alice", scope: "work" });
assert.ok(String(context.peerRepresentation).includes("deadline"));

await assert.rejects(alice.representation({ scope: "nope" }), (err) => {
  assert.equal(err.status, 404);
  assert.match(err.message, /Scope nope not found in workspace ts-scopes/);
  return true;
});
await work.removeSession(office);
assert.deepEqual((await work.sessions()).items, []);
assert.deepEqual((await work.status()).backfillStatus, {});
assert.deepEqual(await honcho.search("friday", { scope: "work" }), []);
await assert.rejects(honcho.chat("what happened?"), (err) => err.status === 404); // workspace chat: not served either

console.log("ts-sdk scopes flow ok");
