import { defineConfig } from "vite";

// The app is served by ShiftPlanner itself (src/shiftplanner/web): assets under
// /assets/ with content-hashed names, cached forever; index.html is never cached.
export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The strict CSP refuses data: scripts and inline styles; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 250,
    // Which files each page loads: the bundle-budget test and `make bench` read it.
    manifest: true,
  },
  server: {
    proxy: {
      "/api": "http://127.0.0.1:4000",
      "/monitoring": "http://127.0.0.1:4000",
      "/ical": "http://127.0.0.1:4000",
    },
  },
});
