import { packagePath } from "../package-files.js";

/** The manifests shipped with the package (WHOOP, Oura, Garmin, ...), loaded by default wherever it is installed. */
export function builtinVendorsDirectory(): string {
  return packagePath("vendors");
}

/** The sandbox vendor's folder: not loaded by default; pass it as a vendor path to embed the sandbox. */
export function sandboxVendorsDirectory(): string {
  return packagePath("sandbox/vendors");
}
