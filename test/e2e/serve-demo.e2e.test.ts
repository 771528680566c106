import { expect, it } from "vitest";
import { serveCommand } from "../../engine/cli/commands/serve.js";
import { temporaryDirectory } from "./support.js";

it("`serve --sandbox --demo` connects, receives, processes and fetches, printing each step", async () => {
  const data = temporaryDirectory();
  const out: string[] = [];
  const err: string[] = [];
  try {
    const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line), env: {}, cwd: process.cwd() };
    const code = await serveCommand(io, ["--sandbox", "--demo", "--port", "0", "--data", data.path, "--env-file", "/nonexistent/.env"], new AbortController().signal);
    expect(err).toEqual([]);
    expect(code).toBe(0);
  } finally {
    data.remove();
  }
  const text = out.join("\n");
  expect(text).toMatch(/connect a user: http:\/\/127\.0\.0\.1:\d+\/oauth\/sandbox\/start\?link=v1\.[\w-]+\.[\w-]+/);
  expect(text).toContain("whoop      SYNHEART_WHOOP_CLIENT_ID, SYNHEART_WHOOP_CLIENT_SECRET");
  expect(text).toMatch(/POST \/webhooks\/sandbox sleep\.updated slp_\w+ -> 202/);
  expect(text).toContain('job done: sandbox sleep.updated for our user "demo-user"');
  expect(text).toMatch(/"stages":\{"deep_minutes":\d+/);
  expect(text).toMatch(/normalized: sleep_session [0-9a-f-]{36} \{"startDateTime":"[^"]+Z"/);
  expect(text).toContain('-> 409 {"status":"replayed"}');
  expect(text).toContain('-> 401 {"error":"invalid_signature"}');
});
