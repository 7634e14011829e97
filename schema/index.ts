export * from "./admin";
export * from "./files";
export * from "./rtc";
export * from "./social";
export * from "./users";
