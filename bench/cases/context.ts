/** What every case gets: where the service runs, the provider stand-in, the run's settings. */
import type { ProviderStandIn } from "../node/provider-stand-in";
import type { Service } from "../node/service";
import type { Settings } from "../node/settings";

export interface BenchContext {
  root: string;
  workDir: string;
  service: Service;
  standIn: ProviderStandIn;
  settings: Settings;
  log(message: string): void;
}

/** A symbol name unique to this run and purpose (valid per API.md: letters, digits, - and .). */
export function benchSymbol(prefix: string, index: number, width = 3): string {
  return `${prefix}${String(index).padStart(width, "0")}`;
}
