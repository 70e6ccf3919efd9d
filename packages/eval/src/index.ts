// Public API of @emo/eval. The package arrives with its own issue; see README.md.
export {};
