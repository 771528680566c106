/** Installs the pinned moto server into .venv-aws when missing or outdated; resolves to the moto_server path. */
export function ensureMoto(options?: { log?: (line: string) => void }): Promise<string>;
