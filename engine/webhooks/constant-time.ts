import { timingSafeEqual } from "node:crypto";
import { sha256 } from "./digest.js";

const DIGEST_LENGTH = 64; // hex SHA-256

/**
 * Compares sent values with configured secrets in time independent of where they differ and of their lengths:
 * both sides are compared as SHA-256 digests of one length, the configured ones digested once. The digests are
 * written into two buffers of the matcher's own, so a comparison allocates nothing but the sent value's digest.
 */
export class SecretMatcher {
  private readonly digests: readonly string[];
  private readonly sentBytes = Buffer.alloc(DIGEST_LENGTH);
  private readonly expectedBytes = Buffer.alloc(DIGEST_LENGTH);

  constructor(secrets: readonly string[]) {
    this.digests = secrets.map((secret) => sha256(secret, "hex"));
  }

  /** Every configured secret is compared, so the time does not tell which one matched. */
  matches(sent: string): boolean {
    this.sentBytes.write(sha256(sent, "hex"), 0, "latin1");
    let matched = false;
    for (const expected of this.digests) {
      this.expectedBytes.write(expected, 0, "latin1");
      matched = timingSafeEqual(this.sentBytes, this.expectedBytes) || matched;
    }
    return matched;
  }
}
