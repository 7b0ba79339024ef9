import { brotliCompressSync, gzipSync } from "node:zlib";
import react from "@vitejs/plugin-react";
import { defineConfig, type Plugin } from "vite";

/**
 * Writes `.gz` and `.br` copies of the text assets next to them, so `vos serve` can send them
 * precompressed (on AWS the CDN compresses instead).
 */
function precompress(): Plugin {
  return {
    name: "vos-precompress",
    apply: "build",
    generateBundle(_options, bundle) {
      for (const [fileName, output] of Object.entries(bundle)) {
        if (!/\.(js|css|html|svg|json)$/.test(fileName)) continue;
        const source = output.type === "chunk" ? output.code : output.source;
        const bytes = typeof source === "string" ? Buffer.from(source) : Buffer.from(source);
        if (bytes.length < 1024) continue;
        this.emitFile({ type: "asset", fileName: `${fileName}.gz`, source: gzipSync(bytes, { level: 9 }) });
        this.emitFile({ type: "asset", fileName: `${fileName}.br`, source: brotliCompressSync(bytes) });
      }
    },
  };
}

// `npm run dev -w @vos/web` serves the UI with hot reload and forwards /api to `vos serve`
// (VOS_API_PROXY, default http://127.0.0.1:3000). Builds for AWS set VITE_API_URL instead, and
// skip the precompressed copies: CloudFront compresses on its own.
const forCloud = Boolean(process.env.VITE_API_URL);

export default defineConfig({
  plugins: [react(), ...(forCloud ? [] : [precompress()])],
  build: { outDir: "dist", assetsDir: "assets", sourcemap: false, target: "es2022" },
  server: { proxy: { "/api": process.env.VOS_API_PROXY ?? "http://127.0.0.1:3000" } },
});
