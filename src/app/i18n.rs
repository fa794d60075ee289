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
        _ => (key, key),
    };
    match lang {
        Lang::Zh => zh,
        Lang::En => en,
    }
}
