// Public API of @emo/vision. The package arrives with its own issue; see README.md.
export {};
