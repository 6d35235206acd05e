// The chart library as the playground uses it: ECharts' modular build with only the chart types,
// components and renderers that www/charts.js and www/figures.js draw with. `cargo xtask dist`
// bundles this file with esbuild (www/build/bundle.mjs) into one tree-shaken ES module,
// dist/vendor/echarts.js (the full echarts.min.js weighs 1.1 MB, 360 KiB gzipped). A chart type
// or component missing here fails loudly in the console ("... is not imported"): add it below.
import * as echarts from 'echarts/core';
import { BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, VisualMapContinuousComponent,
} from 'echarts/components';
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers';
// The toolbox with its PNG button only: ECharts' ToolboxComponent also installs magic type,
// data view, restore and data zoom (with the whole dataZoom component), none of which we show.
import ToolboxModel from 'echarts/lib/component/toolbox/ToolboxModel.js';
import ToolboxView from 'echarts/lib/component/toolbox/ToolboxView.js';
import { registerFeature } from 'echarts/lib/component/toolbox/featureManager.js';
import SaveAsImage from 'echarts/lib/component/toolbox/feature/SaveAsImage.js';

function ToolboxSaveAsImage(registers) {
  registers.registerComponentModel(ToolboxModel);
  registers.registerComponentView(ToolboxView);
  registerFeature('saveAsImage', SaveAsImage);
}

echarts.use([
  BarChart, CustomChart, HeatmapChart, LineChart, ScatterChart,
  // TitleComponent: exports (www/charts.js exportOption) draw the chart's title.
  GridComponent, LegendComponent, MarkLineComponent, TitleComponent, TooltipComponent, VisualMapContinuousComponent,
  ToolboxSaveAsImage, CanvasRenderer, SVGRenderer,
]);

export const { init, getInstanceByDom, registerTheme, setPlatformAPI } = echarts;
