/** A corner of the fixture server for one test: its own base URL path, answered with `responses`. */
import type { ScriptedResponse } from "./fixture-server";
import { fixtureServerUrl, whenRequested } from "./scenario";

export async function serve(...responses: ScriptedResponse[]): Promise<{ tag: string; baseUrl: string }> {
  const tag = crypto.randomUUID();
  await whenRequested({ match: tag, responses });
  return { tag, baseUrl: `${fixtureServerUrl()}/${tag}` };
}
