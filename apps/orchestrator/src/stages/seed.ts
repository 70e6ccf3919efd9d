/**
 * The seed parameter of the stages that draw random numbers (synth, split, train, evaluate).
 * Each stage's schema requires one; the config leaves it out, and the pipeline gives every stage
 * the run's top-level `seed` unless the stage's own block sets one (see pipeline.ts). Inside, a
 * stage turns it into its own independent streams by label (`Rng.fork`, `deriveSeed`).
 */
import { z } from 'zod';

export const seedParam = z.number().int().min(0).max(0xffffffff);
