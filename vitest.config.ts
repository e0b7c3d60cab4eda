import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Builds the real-corpus index once per run and provides its folder to every test file (test/helpers/engine.ts).
    globalSetup: ["test/globalSetup.ts"],
  },
});
