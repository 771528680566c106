import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { connectLinkCommand } from "../../engine/cli/commands/connect-link.js";
import { createMemoryBackends } from "../../engine/backends/embedded/index.js";
import { createConnectorEngine } from "../../engine/connector-engine.js";
import { isConnectorError } from "../../engine/errors.js";
import { createBundledLambdaHandler } from "../../engine/handlers/lambda-bundle.js";
import type { LocalServer } from "../../engine/handlers/local-server.js";
import type { ApiGatewayV2Event } from "../../engine/handlers/lambda-http.js";
import { fixture, whoopDefinition, WHOOP_CREDENTIALS } from "../handlers/support.js";
import { Browser, startSandboxServer, temporaryDirectory } from "./oauth-support.js";

const OLD_KEY = "old-connect-link-key-0123456789abcdef";
const NEW_KEY = "new-connect-link-key-0123456789abcdef";

async function engineWith(keys: string[] | undefined, env: Record<string, string> = {}) {
  return createConnectorEngine({
    vendors: [await whoopDefinition()],
    backends: createMemoryBackends(),
    credentials: { whoop: WHOOP_CREDENTIALS },
    env,
    ...(keys ? { connectLinkKeys: keys } : {}),
  });
}

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    return isConnectorError(error) ? error.code : "not a ConnectorError";
  }
}

describe("engine.connectLink", () => {
  it("signs with the first key and verifies with every key, so a key can be rotated", async () => {
    const before = await engineWith([OLD_KEY]);
    const during = await engineWith([NEW_KEY, OLD_KEY]);
    const after = await engineWith([NEW_KEY]);
    const oldLink = before.connectLink({ vendor: "whoop", userId: "alice" }).token;
    const newLink = during.connectLink({ vendor: "whoop", userId: "alice", ttlSeconds: 60 }).token;
    expect(during.verifyConnectLink("whoop", oldLink)).toMatchObject({ vendor: "whoop", userId: "alice" });
    expect(after.verifyConnectLink("whoop", newLink).userId).toBe("alice");
    expect(codeOf(() => after.verifyConnectLink("whoop", oldLink))).toBe("connect_link_invalid");
    expect(codeOf(() => before.verifyConnectLink("whoop", newLink))).toBe("connect_link_invalid");
  });

  it("reads the key list from SYNHEART_CONNECT_LINK_KEY, and refuses short keys, bad TTLs and unknown vendors", async () => {
    const fromEnv = await engineWith(undefined, { SYNHEART_CONNECT_LINK_KEY: `${NEW_KEY},${OLD_KEY}` });
    const link = fromEnv.connectLink({ vendor: "whoop", userId: "bob", baseUrl: "https://connector.example/c/" });
    expect(`${link}`).toBe(link.token);
    expect(link.url).toBe(`https://connector.example/c/oauth/whoop/start?link=${link.token}`);
    expect((await engineWith([NEW_KEY])).verifyConnectLink("whoop", link.token).userId).toBe("bob"); // signed with the first
    expect(codeOf(() => fromEnv.verifyConnectLink("whoop", link.token.replace(/.$/, (last) => (last === "A" ? "B" : "A"))))).toBe("connect_link_invalid");
    await expect(engineWith(["too-short"])).rejects.toMatchObject({ code: "missing_setting" });
    const engine = await engineWith([NEW_KEY]);
    expect(codeOf(() => engine.connectLink({ vendor: "whoop", userId: "bob", ttlSeconds: 0 }))).toBe("invalid_parameter");
    expect(codeOf(() => engine.connectLink({ vendor: "whoop", userId: "bob", ttlSeconds: 8 * 24 * 3600 }))).toBe("invalid_parameter");
    expect(codeOf(() => engine.connectLink({ vendor: "whoop", userId: "" }))).toBe("invalid_parameter");
    expect(codeOf(() => engine.connectLink({ vendor: "nope", userId: "bob" }))).toBe("unknown_vendor");
    const noKeys = await engineWith(undefined, {});
    expect(codeOf(() => noKeys.connectLink({ vendor: "whoop", userId: "bob" }))).toBe("missing_setting");
    expect(codeOf(() => noKeys.verifyConnectLink("whoop", link.token))).toBe("connect_link_invalid");
  });
});

describe("synheart-connector connect-link", () => {
  const directory = temporaryDirectory();
  let server: LocalServer;
  beforeAll(async () => {
    server = await startSandboxServer(directory.path, { env: {} }); // key file in the data directory
  });
  afterAll(async () => {
    await server?.close();
    directory.remove();
  });

  it("prints a link, with serve's key, that serve accepts for that user", async () => {
    const out: string[] = [];
    const io = { out: (line: string) => out.push(line), err: (line: string) => out.push(line), env: {}, cwd: process.cwd() };
    const code = await connectLinkCommand(io, ["sandbox", "user-cli", "--ttl", "120", "--data", directory.path, "--origin", server.origin, "--env-file", "/nonexistent"]);
    expect(code).toBe(0);
    expect(out).toEqual([expect.stringMatching(new RegExp(`^${server.origin}/oauth/sandbox/start\\?link=v1\\.[\\w-]+\\.[\\w-]+$`))]);
    const started = await new Browser().get(out[0]!);
    expect(started.status).toBe(302);
    // The link names the user: the pending authorization is for user-cli.
    expect(server.engine.verifyConnectLink("sandbox", new URL(out[0]!).searchParams.get("link")!).userId).toBe("user-cli");
  });
});

describe("the Lambda HTTP bundle", () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of ["SYNHEART_BACKEND", "SYNHEART_CONNECT_LINK_KEY", "SYNHEART_PUBLIC_URL", "SYNHEART_WHOOP_CLIENT_ID", "SYNHEART_WHOOP_CLIENT_SECRET"]) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  it("refuses starts without a connect link and accepts one minted with SYNHEART_CONNECT_LINK_KEY", async () => {
    Object.assign(process.env, {
      SYNHEART_BACKEND: "memory",
      SYNHEART_CONNECT_LINK_KEY: NEW_KEY,
      SYNHEART_PUBLIC_URL: "https://connector.example",
      SYNHEART_WHOOP_CLIENT_ID: WHOOP_CREDENTIALS.clientId,
      SYNHEART_WHOOP_CLIENT_SECRET: WHOOP_CREDENTIALS.clientSecret,
    });
    const handler = createBundledLambdaHandler([await whoopDefinition()], { logger: () => {} });
    const event = (rawQueryString: string): ApiGatewayV2Event => {
      const base = fixture<ApiGatewayV2Event>("http-api-v2.json");
      return { ...base, rawPath: "/oauth/whoop/start", rawQueryString, body: undefined, requestContext: { ...base.requestContext, http: { ...base.requestContext.http, method: "GET" } } } as ApiGatewayV2Event;
    };
    const refused = await handler(event("userId=victim"));
    expect(refused.statusCode).toBe(403);
    const link = (await engineWith([NEW_KEY])).connectLink({ vendor: "whoop", userId: "alice" }).token;
    const started = await handler(event(`link=${link}`));
    expect(started.statusCode).toBe(302);
    expect(new URL(started.headers.location!).searchParams.get("redirect_uri")).toBe("https://connector.example/oauth/whoop/callback");
    expect(started.cookies?.[0]).toMatch(/; Secure$/);
  });
});
