// The load test's baseline (npm run loadtest): a module worker that forwards every
// request to one origin, with no routing, steering, health or header logic. It runs on the
// same runtime and launcher as Edgeway, so Edgeway's cost is what it adds over this.
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.ORIGIN + url.pathname + url.search, request);
  },
};
