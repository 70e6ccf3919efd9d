// Public API of @emo/model. The package arrives with its own issue; see README.md.
export {};
