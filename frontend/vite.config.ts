import { defineConfig } from "vite";

declare const process: { env: Record<string, string | undefined> }; // no @types/node for one line

// Django serves the build at /app/ (config/urls_tenant.py). `npm run dev` proxies the API to a
// running `make up`; open http://demo.localhost:5173/app/ so that the school comes from the host.
const backend = process.env.LIVEROLL_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/app/",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  server: {
    proxy: { "/graphql/": { target: backend, ws: true } },
  },
});
