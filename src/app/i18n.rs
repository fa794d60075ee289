//! The two languages of the interface. Chinese is the default; every string the
//! app shows comes through [`tr`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

/// The text for `key` in `lang`; the key itself if unknown (visible, never blank).
pub fn tr(lang: Lang, key: &'static str) -> &'static str {
    let (zh, en) = match key {
        "layers" => ("图层", "Layers"),
        "legend" => ("图例", "Legend"),
        "identify" => ("属性", "Identify"),
        "view" => ("视图", "View"),
        "home" => ("全区", "Home"),
        "basemap" => ("底图", "Basemap"),
        "offline_light" => ("离线底图(浅色)", "Offline (light)"),
        "offline_dark" => ("离线底图(深色)", "Offline (dark)"),
        "no_basemap" => ("无底图", "No basemap"),
        "osm" => ("OpenStreetMap", "OpenStreetMap"),
        "tianditu_vec" => ("天地图 矢量+注记", "Tianditu vector + labels"),
        "tianditu_img" => ("天地图 影像+注记", "Tianditu imagery + labels"),
        "xyz" => ("自定义 XYZ 瓦片", "Custom XYZ tiles"),
        "tile_file" => ("瓦片文件 (PMTiles/MBTiles)", "Tile file (PMTiles/MBTiles)"),
        "tianditu_key" => ("天地图密钥", "Tianditu key"),
        "apply" => ("应用", "Apply"),
        "network_failed" => (
            "在线底图暂时无法获取,地图其余功能照常",
            "Online basemap unreachable; everything else keeps working",
        ),
        "offline_note" => ("底图离线", "basemap offline"),
        "online_note" => (
            "在线底图:仅在选择时联网",
            "Online basemap: the network is used only when chosen",
        ),
        "language" => ("语言", "Language"),
        "file" => ("文件", "File"),
        "drop_hint" => (
            "将 GeoJSON 文件拖入窗口即可打开",
            "Drop GeoJSON files on the window to open them",
        ),
        "zoom_to" => ("缩放至图层", "Zoom to layer"),
        "opacity" => ("透明度", "Opacity"),
        "features" => ("要素", "features"),
        "selected" => ("已选", "selected"),
        "far" => ("容积率", "FAR"),
        "nothing_selected" => (
            "点击地图上的要素查看属性",
            "Click a feature on the map to see its attributes",
        ),
        "area" => ("面积", "Area"),
        "class" => ("用地性质", "Land use"),
        "cursor" => ("光标", "Cursor"),
        "zoom" => ("缩放级别", "Zoom"),
        "scale" => ("比例尺", "Scale"),
        "loading" => ("正在加载", "Loading"),
        "cancel" => ("取消", "Cancel"),
        "tiles" => ("瓦片", "tiles"),
        "failed" => ("加载失败", "Failed to load"),
        "warnings" => ("警告", "Warnings"),
        "up" => ("上移", "Up"),
        "down" => ("下移", "Down"),
        "remove" => ("移除", "Remove"),
        "illustrative" => (
            "示意数据,非官方规划",
            "Illustrative data, not an official plan",
        ),
        "statistics" => ("统计", "Statistics"),
        "tool_pan" => ("平移", "Pan"),
        "tool_rect" => ("框选", "Rectangle"),
        "tool_polygon" => ("多边形", "Polygon"),
        "tool_lasso" => ("套索", "Lasso"),
        "tool_circle" => ("圆形", "Circle"),
        "tool_line" => ("线选", "Line"),
        "tool_distance" => ("测距", "Distance"),
        "tool_area" => ("测面积", "Area"),
        "tools_hint" => (
            "拖动/点击绘制,双击结束;Shift 加选,Ctrl 切换,Esc 清除;右键或中键拖动平移",
            "Drag or click to draw, double-click to finish; Shift adds, Ctrl toggles, Esc clears; pan with the right or middle button",
        ),
        "mode_intersects" => ("相交", "Intersects"),
        "mode_within" => ("完全包含", "Fully within"),
        "expression" => ("表达式", "Expression"),
        "select_by_expr" => ("按表达式选择", "Select by expression"),
        "clear" => ("清除选择", "Clear"),
        "invert" => ("反选", "Invert"),
        "select_all" => ("全选", "Select all"),
        "zoom_selection" => ("缩放至选择", "Zoom to selection"),
        "search_label" => ("搜索", "Search"),
        "search" => ("搜索地块编号或名称", "Search id or name"),
        "no_results" => ("未找到", "Not found"),
        "table" => ("属性表", "Attribute table"),
        "attribute_table" => ("属性表", "Attribute table"),
        "only_selected" => ("仅显示选中", "Selected only"),
        "copy_rows" => ("复制(制表符分隔)", "Copy as TSV"),
        "copy_table" => ("复制表格", "Copy table"),
        "pie_chart" => ("饼图", "Pie chart"),
        "scope_selection" => ("选择集", "Selection"),
        "scope_view" => ("当前视图", "Current view"),
        "scope_layer" => ("整个图层", "Whole layer"),
        "by_class" => ("用地分类", "Land use"),
        "plane_area" => ("高斯-克吕格平面面积", "Gauss-Krüger plane area"),
        "no_landuse_field" => (
            "该图层没有用地代码字段,请选择按字段统计",
            "This layer has no land-use field; choose a field",
        ),
        "empty_scope" => (
            "没有要素:先在地图上选择地块,或改为当前视图/整个图层",
            "No features: select parcels on the map, or use the view or the whole layer",
        ),
        "active_layer" => ("当前图层", "Active layer"),
        "no_active_layer" => ("没有可选择的图层", "No layer to select in"),
        "make_active" => ("设为当前图层", "Make active"),
        "radius" => ("半径", "Radius"),
        _ => (key, key),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
