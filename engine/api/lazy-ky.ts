import type { KyInstance, ResponsePromise } from "ky";

type Ky = typeof import("ky").default;

let loading: Promise<Ky> | undefined;

/**
 * ky, imported on first use. Loading ky builds a web Request (a feature check), which loads Node's fetch
 * implementation: a cold start that only verifies webhooks, and never calls a vendor, should not pay for that.
 */
export function loadKy(): Promise<Ky> {
  return (loading ??= import("ky").then((module) => module.default));
}

const BODY_METHODS = ["json", "text", "arrayBuffer", "blob", "formData", "bytes"] as const;
const REQUEST_METHODS = ["get", "post", "put", "patch", "delete", "head"] as const;

type BodyMethod = (typeof BODY_METHODS)[number];
type Settle = { readonly method: BodyMethod; resolve(value: unknown): void; reject(error: unknown): void };

/**
 * A KyInstance whose real instance is made (by `make`) on its first request. Requests and their body shortcuts
 * (`api.get(path).json()`, which also sets Accept) behave as ky's own; `stop` is not available before a request.
 */
export function lazyKyInstance(make: () => Promise<KyInstance>): KyInstance {
  let instance: Promise<KyInstance> | undefined;
  const real = () => (instance ??= make());

  const send = (call: (ky: KyInstance) => ResponsePromise): ResponsePromise => {
    const waiting: Settle[] = [];
    let started: ResponsePromise | undefined;
    const response = real().then((ky) => {
      started = call(ky);
      // Still in the tick ky sends from: body shortcuts called before it loaded set their Accept header in time.
      for (const { method, resolve, reject } of waiting) (started[method] as () => Promise<unknown>)().then(resolve, reject);
      return started;
    }) as unknown as ResponsePromise;
    for (const method of BODY_METHODS) {
      (response as unknown as Record<BodyMethod, () => Promise<unknown>>)[method] = () =>
        started ? (started[method] as () => Promise<unknown>)() : new Promise((resolve, reject) => waiting.push({ method, resolve, reject }));
    }
    // Whoever awaits the response still gets its rejection; one who only awaits `.json()` leaves it unobserved.
    response.catch(() => {});
    return response;
  };

  const lazy = ((input: Parameters<KyInstance>[0], options?: Parameters<KyInstance>[1]) => send((ky) => ky(input, options))) as KyInstance;
  const methods = lazy as unknown as Record<(typeof REQUEST_METHODS)[number], (input: Parameters<KyInstance>[0], options?: Parameters<KyInstance>[1]) => ResponsePromise>;
  for (const method of REQUEST_METHODS) methods[method] = (input, options) => send((ky) => ky[method](input, options));
  lazy.create = (options) => lazyKyInstance(() => real().then((ky) => ky.create(options)));
  lazy.extend = (options) => lazyKyInstance(() => real().then((ky) => ky.extend(options)));
  return lazy;
}
