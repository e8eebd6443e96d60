// Placeholder: the real handler lands with the pipeline stages. The path and export are final.
export const handler = async (): Promise<void> => {
  throw new Error("extract handler not implemented yet");
};
