export async function uiCommand(..._a: unknown[]): Promise<number> { return 1; }
