/**
 * spikelens: visual explanations for spiking neural networks.
 * The public surface; notebooks and users import from here.
 */
// Infrastructure: backend, params, randomness, files
export { initBackend, backendInfo, describeBackend, parseBackendChoice, BACKEND_CHOICES } from './backend';
export type { BackendChoice, BackendInfo, InitBackendOptions } from './backend';
/** The fused native LIF/BNTT kernels (null off the native backend or when not built), and a switch to turn them off. */
export { nativeKernels, setFusedKernels } from './kernels/native';
export type { NativeKernels } from './kernels/native';
export { loadParams, resolveParams, describeParams, ParamsError } from './params';
export type { Params } from './params';
export { Rng, hashString } from './random';
export { writeFileAtomic, writeJsonAtomic, readJson } from './io/atomic';

// Data: data sets, scene sets, Tiny-ImageNet, encoders, composites
export { allocateDataset, setAnnotation, isDegenerate, boxOf, itemOf, subset, classCounts, batches, toTensor, labelsTensor, pixelsToTensor, saveDataset, loadDataset, encodeDataset, decodeDataset, DATASET_FORMAT_VERSION } from './data/dataset';
export type { Box, Dataset, ImageItem, DataSplit } from './data/dataset';
export { buildSplit } from './data/build';
export { buildScenes, sceneClassNames, SCENE_SOURCES, INK_THRESHOLD } from './data/scenes';
export type { SceneSource, SceneOptions } from './data/scenes';
export { loadMnist, loadPets } from './data/sources';
export type { ObjectImages, SourceSplit } from './data/sources';
export { readTinyImageNet, readTinyImageNetClasses, decodeJpegRgb } from './data/tiny-imagenet';
export type { TinyImageNetOptions, TinyImageNetClasses } from './data/tiny-imagenet';
export { createEncoder, expectedSpikes, normalize, IMAGENET_MEAN, IMAGENET_STD, IMAGENET_NORMALISATION, ENCODER_VARIANTS, encoderVariant, encoderNormalisation, describeEncoder, sameEncoder } from './data/encode';
export type { EncoderVariant, EncoderSpec, InputNormalisation, SpikeEncoder } from './data/encode';
export { datasetNormalisation, encoderSpecFor, encoderMeta, encoderFromMeta, assertTrainedOn, NORMALISATION_SOURCES } from './data/normalisation';
export type { NormalisationSource } from './data/normalisation';
export { composeItems, composePair, compositesToTensor } from './data/compose';
export type { Composite, CompositeLayout } from './data/compose';
export { previewPng, datasetPreviewPng } from './data/preview';
export type { PreviewTile, PreviewOptions } from './data/preview';

// Models: VGG11 layout, SNN (LIF, BNTT, simulation, observers), ANN, conversion, training
export { vggArch, initVggWeights, checkInputSize, convOutputSize, VGG11_CHANNELS, CONV_LAYERS } from './model/vgg';
export type { VggArch, VggWeights } from './model/vgg';
export { Lif, lifStep, surrogateGrad, splitSteps } from './snn/lif';
export type { LifConfig, NeuronOrder, ResetMode } from './snn/lif';
export { AdaptiveLif } from './snn/alif';
export type { AdaptiveLifConfig } from './snn/alif';
export { runStepwise } from './snn/neuron';
export type { SpikingNeuron, NeuronState, NeuronRun } from './snn/neuron';
export { createNeuron } from './snn/neuron-spec';
export type { NeuronSpec, NeuronParams } from './snn/neuron-spec';
export { spike, piecewiseLinear, fastSigmoid, surrogateFromSpec, DEFAULT_SURROGATE, SURROGATE_SCALE } from './snn/surrogate';
export type { Surrogate, SurrogateSpec } from './snn/surrogate';
export { Bntt, BNTT_EPS, BNTT_MOMENTUM } from './snn/bntt';
export { SpikingVgg, SPIKING_LAYERS, stateTensors } from './snn/network';
export type { SpikingVggConfig, SnnState, Probes, StepContext, RunResult } from './snn/network';
export { simulate, unroll, defaultChunk, CHUNK_ELEMENTS } from './snn/simulate';
export type { SpikeSource, SimulateOptions, UnrollOptions } from './snn/simulate';
export type { LayerName, SimulationObserver, SimulationInfo } from './snn/observer';
export { layerName } from './snn/observer';
export { AnnVgg } from './ann/vgg11';
export type { AnnForwardOptions } from './ann/vgg11';
export { convertAnn } from './convert/balance';
export type { BalanceOptions, ConversionResult } from './convert/balance';
export { train, TrainingError } from './train/loop';
export type { TrainSettings, TrainTask, TrainOptions, TrainResult, EpochLog } from './train/loop';
export { annTask, snnTask } from './train/tasks';
export { annAccuracy, snnAccuracy } from './train/evaluate';
export { annLogits } from './ann/logits';
export { snnLogits } from './snn/logits';
export { stepLr, LR_MILESTONES } from './train/schedule';
export { crossEntropy } from './train/loss';
export { saveCheckpoint, loadCheckpoint, assignCheckpoint } from './train/checkpoint';
export type { Checkpoint } from './train/checkpoint';
export { loadAnn, loadSnn } from './train/store';
export { loadTorchSnn } from './train/torch-import';
export type { TorchImportOptions } from './train/torch-import';
export { readSafetensors } from './model/safetensors';
export type { StateTensor } from './model/safetensors';
export type { ModelMeta } from './train/store';

// Explanations and metrics
export { SpikeActivationMap, SAM_DEFAULT_GAMMA } from './explain/sam';
export { SpikeRateMap } from './explain/rate';
export type { RateMapOptions } from './explain/rate';
export { StreamingMapObserver } from './explain/map-observer';
export type { MapState } from './explain/map-observer';
export type { SamOptions, SamVariant, SamView } from './explain/sam';
export { heatMap, normalise, upsample, valueRange, assertHeatMap, assertSameShape, assertUnitRange, NORMALISE_EPS } from './explain/heatmap';
export type { HeatMap } from './explain/heatmap';
export { maxOverSteps, minOverSteps } from './metrics/steps';
export type { StepExtremum } from './metrics/steps';
export { heatmapVariance, heatmapVarianceOverSteps } from './metrics/variance';
export { localizationError, binaryCrossEntropy, BCE_EPS } from './metrics/localization';
export type { LocalizationError } from './metrics/localization';
export { normalisedL1, normalisedL1OverSteps } from './metrics/distance';
export { pointingGame, energyInBox } from './metrics/box';
export { pointingByHorizon, lastStepAtLeast } from './metrics/horizon';
export type { HorizonHits, HorizonLayer, HorizonNetwork, HorizonReport } from './metrics/horizon';
export { SpikeCounter } from './metrics/spike-count';
export type { SpikeCounterOptions } from './metrics/spike-count';
export { deletionCurve, insertionCurve, areaUnderCurve, saliencyOrder } from './metrics/faithfulness';
export type { ScoreFn, FaithfulnessOptions, FaithfulnessCurve } from './metrics/faithfulness';
export { bootstrapInterval, pairedBootstrap, verdict, makeClaim, meanOf, quantileSorted } from './metrics/uncertainty';
export type { Interval, BootstrapOptions, Statistic, PairedStatistic, Verdict, Direction, Claim, ClaimSpec } from './metrics/uncertainty';

// Plots
export { lineChart, barChart, hconcat, vconcat, heatmapSlider, VEGA_LITE_SCHEMA } from './plot/spec';
export type { VegaLiteSpec, Row, LineOptions, BarOptions, HeatmapSliderOptions } from './plot/spec';
export { toSvg, svgToPng, saveFigure } from './plot/render';
export { showChart, showPng, showJson, inNotebook, progressToStdout } from './plot/notebook';
export { jet, colorize, rgbImage, overlay, outlineBox, tileGrid, tileGridPng, encodePng, drawText, textWidth } from './plot/heatmap';
export type { RgbImage, Rgb, GridOptions } from './plot/heatmap';

// Gradient-based explanations and attacks
export { gradCam, snnGradCam, annLayerGradients, snnLayerGradients, camFromGradients, weightedCam, gradCamWeights, summedGradCamWeights, disposeLayerGradients, convLayer, CamMaps } from './explain/gradcam';
export type { ConvLayer, LayerGradients, ChannelWeighting, SnnCamWeighting, CamOptions, SnnCamOptions, CamMapsInit } from './explain/gradcam';
export { classifierOutputTarget, classifierSoftmaxTarget, batchScore, resolveTargets } from './explain/targets';
export type { CamTarget, TargetSpec } from './explain/targets';

// Explanation methods: one interface, one result type, and the registry figures 01/04/05/06 loop over
/** What every explanation method of a spiking network implements, what it is asked (network, images, encoder, T, layers, targets, encoder Rng, options) and the options figures pass. */
export type { ExplanationMethod, ExplainRequest, ExplainOptions, ExplanationMapsInit, BatchExplanation, StreamingMethodSpec } from './explain/method';
/** The result of every method: raw maps per layer, image and step (plain arrays), with SAM's normalised and upsampled views. */
export { ExplanationMaps } from './explain/method';
/** Explains one batch with several methods on the same spikes: streaming methods share one simulation, the encoder stream is replayed per pass. */
export { explainBatch } from './explain/method';
/** Makes a method from a `StreamingMapObserver` factory (how SAM and the firing-rate map are built). */
export { streamingMethod } from './explain/method';
/** `snn-gradcam` → `snn_gradcam`: the form of a method id that metric names use. */
export { explanationKey } from './explain/method';
/** A fresh generator at the start of an Rng's stream: what a custom method's passes use so every method sees the same spikes. */
export { replay } from './explain/method';
/** Makes a gradient method on the SNN Grad-CAM skeleton from a channel-weights hook and a map hook. */
export { gradientMethod } from './explain/gradcam';
export type { GradientMethodSpec, CamMapHook } from './explain/gradcam';
/** SNN-crafted Grad-CAM's channel weighting by name (`per-step` or `summed`). */
export { snnCamWeights } from './explain/gradcam';
/** The built-in methods: SAM (`sam`), SNN-crafted Grad-CAM (`snn-gradcam`), the firing-rate map (`rate`). */
export { samMethod } from './explain/sam';
export { snnGradCamMethod } from './explain/gradcam';
export { rateMethod } from './explain/rate';
/** Adds a method to the figures (returns what removes it again); removes one by id. */
export { registerExplanation, unregisterExplanation } from './explain/registry';
/** The registered methods in order, and one by id. */
export { explanationMethods, explanationMethod } from './explain/registry';
/** SAM, the paper's method: its id, and the method a figure shows in its per-step panels (SAM, else the first). */
export { PAPER_EXPLANATION, paperExplanation } from './explain/registry';
export { fgsm, fgsmStep, inputGradient, attackLoss, accuracyUnderAttack, straightThroughSource, attackExpectedSpikes } from './attack/fgsm';
export type { AttackModel, AttackAccuracy, Labels } from './attack/fgsm';

// Figures (what the notebooks call)
export { loadFigureContext, chunks, chunkProgress, PAPER_MODELS, trainingOf, modelOrder, modelTag, modelShortName } from './figures/context';
export type { FigureContext, SpikingModel, Training, ContextPaths, ChunkProgress } from './figures/context';
export { saveFigureOutputs, mean } from './figures/output';
export type { FigureOutputs } from './figures/output';
export { inputImage } from './figures/context';
export { std } from './figures/output';
export type { FigureResult } from './figures/output';
export { scaleFreeNormalise } from './explain/heatmap';
export { calibrateBntt, calibrateAnnNorms } from './train/calibrate';
export { setThresholds } from './convert/balance';
export { figureVariance, sliderSteps, VARIANCE_FIGURE } from './figures/variance';
/** Options of figure 01: which explanation methods to compare (default: the registered ones). */
export type { VarianceOptions } from './figures/variance';
export { figureGammaAblation, GAMMA_FIGURE } from './figures/gamma';
export type { GammaLayerMetrics } from './figures/gamma';
export { figureSpikeActivity, activityShape, ACTIVITY_FIGURE, ALL_LAYERS } from './figures/activity';
export type { ActivityShape } from './figures/activity';
export { figureLocalization, LOCALIZATION_FIGURE } from './figures/localization';
export { sampleSteps } from './metrics/steps';
export { meanMap } from './explain/heatmap';
export type { LocalizationOptions } from './figures/localization';
export { artefactScores, artefactFigurePng, loadArtefactGrid } from './figures/artefact';
export type { ArtefactOptions, ArtefactScores, ArtefactRow, LayerArtefactScores, Estimate } from './figures/artefact';
export { combineSeedRuns, combineVerdicts, compareMachineRuns, oppositeVerdicts } from './metrics/seed-claims';
export type { MachineClaim, RunVerdict, SeedClaim, SeedRun, SeedVerdict } from './metrics/seed-claims';
export { snnConfigFromParams } from './train/snn-config';
export { figureFgsm, FGSM_FIGURE } from './figures/fgsm';
export type { FgsmOptions } from './figures/fgsm';
export { figureMultiObject, choosePairs, endStep, MULTI_OBJECT_FIGURE, FOCUS_SHARE } from './figures/multi-object';
export type { MultiObjectOptions } from './figures/multi-object';

// Paper claims as data: the README's claims table is generated from reports/metrics/*.json
export { collectClaims, claimsTable, replaceClaimsSection, formatNumber, CLAIMS_START, CLAIMS_END } from './figures/claims-table';
export type { SourcedClaim, CollectedClaims } from './figures/claims-table';
export { localizationErrorUnder, aggregateStepErrors, isEmptyMap, normaliseMap } from './metrics/localization-choices';
export type { Normalisation, StepAggregation, EmptyMaps, ErrorChoices, AggregatedError } from './metrics/localization-choices';
export { sensitivityRows, verdictChanges } from './metrics/sensitivity';
export type { SensitivityRow, Alternative } from './metrics/sensitivity';
export { pooledScores } from './metrics/pooled-score';
export type { BatchScoreFn } from './metrics/pooled-score';
export { boxAreaShare } from './metrics/box-area';
export { LOCALIZATION_CHOICES, DEFAULT_ERROR_SETTING } from './figures/localization';
export type { LocalizationResult, ErrorSetting, OpenChoice, FaithfulnessSettings } from './figures/localization';
