/** Installs the pinned moto server into .venv-aws when missing or outdated; resolves to the moto_server path. */
export function ensureMoto(options?: { log?: (line: string) => void }): Promise<string>;
/** The command (the venv's Python and our launcher) that starts moto on host:port, installing it first when needed. */
export function motoServerCommand(host: string, port: number, options?: { log?: (line: string) => void }): Promise<{ command: string; args: string[] }>;
