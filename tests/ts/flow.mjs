// A realistic app flow with the official TypeScript SDK against the mock.
// Usage: node flow.mjs <base-url>. Exits non-zero with a message on the first mismatch.
import assert from "node:assert/strict";
import { Honcho } from "@honcho-ai/sdk";

const baseURL = process.argv[2];
const honcho = new Honcho({ baseURL, workspaceId: "ts-app", apiKey: "unused-when-auth-is-off", maxRetries: 0 });

const alice = await honcho.peer("alice", { metadata: { role: "user" } });
const bot = await honcho.peer("assistant", { metadata: { role: "bot" } });

const sessions = [];
for (let n = 0; n < 5; n++) {
  sessions.push(await honcho.session(`chat-${n}`, { metadata: { topic: n % 2 ? "tea" : "coffee", n } }));
}
const chat = sessions[0];
await chat.addPeers([alice, bot]);
assert.deepEqual((await chat.peers()).map((p) => p.id).sort(), ["alice", "assistant"]);

const added = await chat.addMessages([
  alice.message("hello there"),
  bot.message("hi alice, how can I help?", { metadata: { intent: "greet" } }),
  alice.message("tell me about green tea"),
]);
assert.equal(added.length, 3);

const all = await (await chat.messages()).toArray();
assert.deepEqual(all.map((m) => m.content), ["hello there", "hi alice, how can I help?", "tell me about green tea"]);
const newest = await chat.messages({ reverse: true, size: 2 });
assert.deepEqual(newest.items.map((m) => m.content), ["tell me about green tea", "hi alice, how can I help?"]);
assert.equal(newest.total, 3);
assert.equal(newest.pages, 2);
const fromBot = await (await chat.messages({ filters: { peer_id: "assistant" } })).toArray();
assert.deepEqual(fromBot.map((m) => m.content), ["hi alice, how can I help?"]);

const edited = await chat.updateMessage(all[0], { edited: true });
assert.deepEqual(edited.metadata, { edited: true });
assert.equal((await chat.getMessage(all[0].id)).content, "hello there");

const page2 = await honcho.sessions({ size: 2, page: 2 });
assert.deepEqual(page2.items.map((s) => s.id), ["chat-2", "chat-3"]);
const backwards = await (await honcho.sessions({ size: 2, reverse: true })).toArray();
assert.deepEqual(backwards.map((s) => s.id), ["chat-4", "chat-3", "chat-2", "chat-1", "chat-0"]);
const tea = await (await honcho.sessions({ filters: { metadata: { topic: "tea" } } })).toArray();
assert.deepEqual(tea.map((s) => s.id), ["chat-1", "chat-3"]);

await chat.setMetadata({ topic: "coffee", pinned: true });
assert.deepEqual(await chat.getMetadata(), { topic: "coffee", pinned: true });

const ctx = await chat.context({ tokens: 1000 });
assert.equal(ctx.messages.length, 3);
const openai = ctx.toOpenAI(bot);
assert.equal(openai.length, 3);
assert.equal(openai[1].role, "assistant");

const found = await chat.search("green tea");
assert.deepEqual(found.map((m) => m.content), ["tell me about green tea"]);

await alice.setCard(["likes green tea"]);
assert.deepEqual(await alice.getCard(), ["likes green tea"]);

const clone = await chat.clone();
assert.equal((await (await clone.messages()).toArray()).length, 3);

await chat.setPeers([alice]);
assert.deepEqual((await chat.peers()).map((p) => p.id), ["alice"]);
await chat.removePeers([alice]);
assert.deepEqual(await chat.peers(), []);

await sessions[4].delete();
const remaining = await (await honcho.sessions()).toArray();
assert.ok(!remaining.map((s) => s.id).includes("chat-4"));

console.log("ts-sdk flow ok");
