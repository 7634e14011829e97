export * from "./push";
export * from "./social";
export * from "./users";
