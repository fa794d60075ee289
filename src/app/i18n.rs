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
