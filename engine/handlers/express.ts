import type { IncomingMessage } from "node:http";

/**
 * For apps that must run `express.json()` (or `express.urlencoded()`) before the connector:
 * `app.use(express.json({ verify: keepRawBody }))` keeps the exact bytes as `req.rawBody`, which the connector's
 * adapter then verifies instead of the consumed stream. Without it, such a request is refused with a logged
 * `body_already_read` error, never with a guessed body.
 */
export function keepRawBody(req: IncomingMessage, _res: unknown, buffer: Buffer): void {
  (req as IncomingMessage & { rawBody?: Buffer }).rawBody = buffer;
}
