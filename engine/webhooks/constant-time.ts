import { timingSafeEqual } from "node:crypto";
import { sha256 } from "./digest.js";

const DIGEST_LENGTH = 64; // hex SHA-256

/**
 * Compares sent values with configured secrets in time independent of where they differ and of their lengths:
 * both sides are compared as SHA-256 digests of one length, the configured ones digested (and written into buffers)
 * once. The sent value's digest is written into a buffer of the matcher's own, so a comparison allocates nothing but
 * that digest.
 */
export class SecretMatcher {
  private readonly digests: readonly Buffer[];
  private readonly sentBytes = Buffer.alloc(DIGEST_LENGTH);

  constructor(secrets: readonly string[]) {
    this.digests = secrets.map((secret) => Buffer.from(sha256(secret, "hex"), "latin1"));
  }

  /** Every configured secret is compared, so the time does not tell which one matched. */
  matches(sent: string): boolean {
    this.sentBytes.write(sha256(sent, "hex"), 0, "latin1");
    let matched = false;
    for (let index = 0; index < this.digests.length; index++) matched = timingSafeEqual(this.sentBytes, this.digests[index]!) || matched;
    return matched;
  }
}
