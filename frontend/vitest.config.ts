import { defineConfig } from "vitest/config";

// Unit tests of the app's pure logic (reducers, formatting, time zones, routing): src/**/*.test.ts
export default defineConfig({
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
