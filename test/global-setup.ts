import type { TestProject } from "vitest/node";
import { FixtureServer } from "./support/fixture-server";

declare module "vitest" {
  export interface ProvidedContext {
    fixtureServerUrl: string;
  }
}

/** One fixture server for the whole run; tests reach it at inject("fixtureServerUrl") / env.FIXTURE_SERVER_URL. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = new FixtureServer();
  // The event sink of the test run: a Kafka REST v2 proxy that acknowledges and records every event.
  server.addRule({ match: "/kafka-v2/topics/", method: "POST", responses: [{ kafkaRestV2Ack: true }] });
  project.provide("fixtureServerUrl", await server.listen());
  return () => server.close();
}
