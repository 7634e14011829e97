export * from "./admin";
export * from "./files";
export * from "./push";
export * from "./rtc";
export * from "./social";
export * from "./users";
export * from "./webhooks";
