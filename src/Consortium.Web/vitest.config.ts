import { defineConfig } from 'vitest/config';

// Unit tests of pure functions and hooks (the browser tests in tests/Consortium.Browser.Tests cover the pages).
export default defineConfig({
  test: {
    include: ['src/**/*.test.{ts,tsx}'],
    environment: 'node',
    // Dates typed into datetime-local inputs are read in this zone: fixed so the tests mean the same everywhere.
    env: { TZ: 'Europe/Paris' },
  },
});
