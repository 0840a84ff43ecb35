/** Reported by /health and the OpenAPI document; kept equal to package.json's version. */
export const SERVICE_VERSION = "0.1.0";
