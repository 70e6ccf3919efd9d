/**
 * @emo/model with TensorFlow.js (about half a second to load): imported by the steps that run a
 * model — a train task, the tfjs backend a run records, `emo pretrain-faces` and `emo predict` —
 * and by no other command. What a model is as data (its config, the data's shape it is sized
 * by, a saved model's signature, the schedules' defaults) comes from `@emo/model/spec`, which
 * loads no TensorFlow, so `emo plan`, `emo status` and the config need none.
 */
export const loadModelRuntime = () => import('@emo/model');
