/** What every case gets: where the service runs, the provider stand-in, the run's settings. */
import type { BrokerStandIn } from "../node/broker-stand-in";
import type { ProviderStandIn } from "../node/provider-stand-in";
import type { Service } from "../node/service";
import type { Settings } from "../node/settings";

export interface BenchContext {
  root: string;
  workDir: string;
  service: Service;
  standIn: ProviderStandIn;
  /** The event sink's stand-in, recording every record it acknowledged. */
  broker: BrokerStandIn;
  settings: Settings;
  /** The service's settings (--var), for a second instance with one of them changed. */
  serviceVars: Readonly<Record<string, string>>;
  /** Command lines for the report's "Commands" section (a case that starts a process adds its own). */
  commands: string[];
  log(message: string): void;
}

/** A symbol name unique to this run and purpose (valid per API.md: letters, digits, - and .). */
export function benchSymbol(prefix: string, index: number, width = 3): string {
  return `${prefix}${String(index).padStart(width, "0")}`;
}
