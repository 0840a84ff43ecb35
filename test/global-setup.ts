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
  // The event sinks of the test run: brokers that acknowledge and record every event (vitest.config.ts).
  server.addRule({ match: "/kafka-v2/topics/", method: "POST", responses: [{ brokerAck: "kafka-rest-v2" }] });
  server.addRule({ match: "/kafka-v3/kafka/v3/clusters/", method: "POST", responses: [{ brokerAck: "kafka-rest-v3" }] });
  server.addRule({ match: "/upstash/produce", method: "POST", responses: [{ brokerAck: "upstash" }] });
  project.provide("fixtureServerUrl", await server.listen());
  return () => server.close();
}
