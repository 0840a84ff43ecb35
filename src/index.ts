import { createApp } from "./app";
import type { Env } from "./env";

export { SymbolObject } from "./symbol/symbol-object";

const app = createApp();

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
