#!/usr/bin/env node
// Makes sure .venv-aws holds exactly the pinned moto server from test/aws/requirements.txt.
// Installs only when the venv is missing or the requirements (or the Python version) changed since the last install,
// so a fresh clone needs no manual step and later runs cost a hash and a stat.
// Usage: node test/aws/ensure-moto.mjs   (prints the command that starts the server)
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const venvDir = join(repoRoot, ".venv-aws");
const requirementsFile = join(repoRoot, "test", "aws", "requirements.txt");
const stampFile = join(venvDir, ".requirements.sha256");
const lockDir = join(repoRoot, ".venv-aws.lock");
const motoServer = join(venvDir, "bin", "moto_server");
const venvPython = join(venvDir, "bin", "python");

function pythonCommand() {
  return process.env.PYTHON ?? "python3";
}

function expectedStamp() {
  const pythonVersion = execFileSync(pythonCommand(), ["--version"], { encoding: "utf8" }).trim();
  return createHash("sha256").update(readFileSync(requirementsFile)).update(pythonVersion).digest("hex");
}

function venvMatchesPython() {
  try {
    const version = (command) => execFileSync(command, ["--version"], { encoding: "utf8" }).trim();
    return version(venvPython) === version(pythonCommand());
  } catch {
    return false;
  }
}

function isUpToDate(stamp) {
  return existsSync(motoServer) && existsSync(stampFile) && readFileSync(stampFile, "utf8").trim() === stamp;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Two test runs started at once (the whole suite and a focused run) must not pip-install into one venv together.
async function withLock(fn) {
  const staleAfterMs = 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
      if (Date.now() - statSync(lockDir).mtimeMs > staleAfterMs) rmSync(lockDir, { recursive: true, force: true });
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

export async function ensureMoto({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const stamp = expectedStamp();
  if (isUpToDate(stamp)) return motoServer;
  return withLock(async () => {
    if (isUpToDate(stamp)) return motoServer;
    const started = Date.now();
    log(`[aws tests] installing pinned moto server into ${venvDir} (one time, ~30 s)`);
    if (existsSync(venvDir) && !venvMatchesPython()) rmSync(venvDir, { recursive: true, force: true });
    if (!existsSync(venvPython)) execFileSync(pythonCommand(), ["-m", "venv", venvDir], { stdio: "inherit" });
    execFileSync(
      venvPython,
      ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", requirementsFile],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    if (!existsSync(motoServer)) throw new Error(`pip finished but ${motoServer} is missing`);
    writeFileSync(stampFile, `${stamp}\n`);
    log(`[aws tests] moto server installed in ${Math.round((Date.now() - started) / 1000)} s`);
    return motoServer;
  });
}

/**
 * The command that starts moto on host:port: our launcher (test/aws/moto-server.py) on the venv's Python, which takes
 * DynamoDB requests one at a time so that conditional writes are atomic as in DynamoDB.
 */
export async function motoServerCommand(host, port, options) {
  await ensureMoto(options);
  return { command: venvPython, args: [join(repoRoot, "test", "aws", "moto-server.py"), "-H", host, "-p", String(port)] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { command, args } = await motoServerCommand("127.0.0.1", 5000);
  process.stdout.write(`${[command, ...args].join(" ")}\n`);
}
