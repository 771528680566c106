// The sink the cold-start worker bundle is built with: what a user's sink module looks like, doing nothing.
export default async function sink() {}
